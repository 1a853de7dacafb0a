import type { BackupListing, BackupSource, RestoreTarget } from '../../backup';
import { describeTarget } from '../../backup/describe';
import { backupItemView } from './describe';
import { dockerChoices, type ContainerChoice } from './docker-choices';
import { originalTarget } from './targets';
import type { BackupUi, PickItem } from './ui';

/**
 * The questions the palette commands ask when no node says what to work on: which source to back up, which
 * archive to restore and where, which container to rescue. Undefined means the user backed out.
 */

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;

export function validateVolumeName(v: string): string | undefined {
  return VOLUME_NAME.test(v)
    ? undefined
    : 'A volume name has at least two characters: letters, digits, "_", "." and "-", starting with a letter or digit';
}

export function validateContainerPath(v: string): string | undefined {
  return v.startsWith('/') ? undefined : 'An absolute path in the container, like /home/coder or /var/lib/postgresql/data';
}

export async function pickVolume(ui: BackupUi, host: string | undefined, title: string, allowNew: boolean): Promise<string | undefined> {
  const { volumes, endpoint } = await dockerChoices(host);
  const items: PickItem<string | null>[] = volumes.map((v) => ({
    label: `$(database) ${v.name}`,
    description: v.compose ? `compose ${v.compose.project} › ${v.compose.volume}` : v.anonymous ? 'anonymous' : undefined,
    detail: v.usedBy.length ? `used by ${v.usedBy.join(', ')}` : 'used by no container',
    value: v.name,
  }));
  if (allowNew) items.unshift({ label: '$(add) New volume…', description: 'created by the restore', value: null });
  if (items.length === 0) {
    void ui.show('info', `The Docker Engine at ${endpoint} has no volumes.`);
    return undefined;
  }
  const chosen = await ui.pick(items, { title, placeholder: `Volumes of the Docker Engine at ${endpoint}` });
  if (chosen !== null) return chosen;
  return ui.input({ title, prompt: 'Name of the new volume', validate: validateVolumeName });
}

export async function pickContainer(
  ui: BackupUi,
  host: string | undefined,
  title: string,
  preferred?: string,
): Promise<ContainerChoice | undefined> {
  const { containers, endpoint } = await dockerChoices(host);
  if (containers.length === 0) {
    void ui.show('info', `The Docker Engine at ${endpoint} has no containers.`);
    return undefined;
  }
  const isPreferred = (c: ContainerChoice): boolean => preferred !== undefined && (c.name === preferred || c.id.startsWith(preferred));
  const ordered = [...containers.filter(isPreferred), ...containers.filter((c) => !isPreferred(c))];
  return ui.pick(
    ordered.map((c) => ({
      label: `$(vm) ${c.name}`,
      description: `${c.image} · ${c.state}${isPreferred(c) ? ' · where it came from' : ''}`,
      value: c,
    })),
    { title, placeholder: `Containers of the Docker Engine at ${endpoint}` },
  );
}

export async function pickContainerPath(
  ui: BackupUi,
  host: string | undefined,
  title: string,
  purpose: string,
): Promise<{ container: string; path: string } | undefined> {
  const c = await pickContainer(ui, host, title);
  if (!c) return undefined;
  const path = await ui.input({
    title,
    prompt: `The folder of container "${c.name}" to ${purpose} (absolute)`,
    value: '/',
    validate: validateContainerPath,
  });
  return path ? { container: c.name, path } : undefined;
}

/** What to back up, asked step by step. */
export async function pickBackupSource(ui: BackupUi, host: string | undefined): Promise<BackupSource | undefined> {
  const title = 'Back Up';
  const kind = await ui.pick<'volume' | 'container' | 'local'>(
    [
      { label: '$(database) A Docker volume…', description: 'through a helper container that is never started', value: 'volume' },
      { label: '$(vm) A folder of a container…', description: 'running or stopped, through the Docker Engine', value: 'container' },
      { label: '$(folder) A folder on this machine…', value: 'local' },
    ],
    { title, placeholder: 'What to back up' },
  );
  if (kind === 'volume') {
    const volume = await pickVolume(ui, host, title, false);
    return volume ? { kind: 'volume', volume } : undefined;
  }
  if (kind === 'container') {
    const cp = await pickContainerPath(ui, host, title, 'back up');
    return cp ? { kind: 'container-path', ...cp } : undefined;
  }
  if (kind === 'local') {
    const path = await ui.pickFolder({ title, action: 'Back Up' });
    return path ? { kind: 'local', path } : undefined;
  }
  return undefined;
}

/** Where to restore an archive: where it came from, or another place. */
export async function pickRestoreTarget(
  ui: BackupUi,
  host: string | undefined,
  listing: BackupListing,
): Promise<RestoreTarget | undefined> {
  const title = `Restore ${listing.archive}`;
  const original = listing.manifest ? originalTarget(listing.manifest.source) : undefined;
  if ((listing.manifest?.layout ?? 'content') === 'root') {
    // A rescue archive goes back into a container, each path where it was.
    const c = await pickContainer(ui, host, title, original?.kind === 'container' ? original.container : undefined);
    return c ? { kind: 'container', container: c.name } : undefined;
  }
  type Choice = 'original' | 'volume' | 'container' | 'local';
  const items: PickItem<Choice>[] = [];
  if (original) items.push({ label: `$(history) Where it came from: ${describeTarget(original)}`, value: 'original' });
  items.push(
    { label: '$(database) A Docker volume…', description: 'an existing one, or a new one', value: 'volume' },
    { label: '$(vm) A folder of a container…', value: 'container' },
    { label: '$(folder) A folder on this machine…', value: 'local' },
  );
  const kind = await ui.pick(items, { title, placeholder: 'Where to restore it' });
  switch (kind) {
    case 'original':
      return original;
    case 'volume': {
      const volume = await pickVolume(ui, host, title, true);
      return volume ? { kind: 'volume', volume } : undefined;
    }
    case 'container': {
      const cp = await pickContainerPath(ui, host, title, 'restore into');
      return cp ? { kind: 'container-path', ...cp } : undefined;
    }
    case 'local': {
      const path = await ui.pickFolder({ title, action: 'Restore Here' });
      return path ? { kind: 'local', path } : undefined;
    }
    default:
      return undefined;
  }
}

/** Which archive, from `candidates` (already in the order to offer). */
export async function pickBackup(
  ui: BackupUi,
  candidates: readonly BackupListing[],
  title: string,
  forWhat?: string,
): Promise<BackupListing | undefined> {
  if (candidates.length === 0) {
    void ui.show('info', `There is no backup${forWhat ? ` that fits ${forWhat}` : ''} in the backup folder yet.`);
    return undefined;
  }
  return ui.pick(
    candidates.map((l) => {
      const v = backupItemView(l);
      return { label: `$(archive) ${v.label}`, description: v.description, detail: l.archive, value: l };
    }),
    { title, placeholder: forWhat ? `Backups to restore into ${forWhat}` : 'Backups, newest first' },
  );
}
