import { basename, dirname } from 'node:path';
import type {
  BackupListing,
  BackupResult,
  DestinationVerdict,
  ManifestSource,
  RescueResult,
  RestoreResult,
  TargetContent,
} from '../../backup';
import { describeSource } from '../../backup/describe';
import { formatBytes } from '../../core/bytes';

export { formatBytes };

/**
 * The words the editor shows for backups: the Backups view's items, the confirmations, the final messages.
 * Pure, so what a user reads is unit-tested.
 */

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

/** `2026-11-21 18:44` in the given time zone (the machine's by default): what a list of backups needs. */
export function formatDate(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** A backup as the Backups view shows it. */
export interface BackupItemView {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  /** A codicon id. */
  icon: string;
  /** Tokens for `when` clauses: plBackup, the manifest status, the layout (content | root), safety. */
  contextValue: string;
}

const STATUS_TEXT: Record<BackupListing['status'], string> = {
  ok: 'manifest ✓',
  verified: 'verified ✓',
  'no-manifest': 'unverified: no manifest',
  mismatch: 'damaged: does not match its manifest',
  'invalid-manifest': 'unverified: manifest unreadable',
};

const SOURCE_ICON: Record<ManifestSource['kind'], string> = {
  volume: 'database',
  'container-path': 'vm',
  local: 'folder',
  rescue: 'save-all',
};

export function backupItemView(l: BackupListing, timeZone?: string): BackupItemView {
  const m = l.manifest;
  const safety = m?.purpose === 'safety';
  const label = m ? `${safety ? 'before restore: ' : ''}${describeSource(m.source)}` : l.archive;
  const description = `${formatBytes(l.size)} · ${formatDate(l.createdAt, timeZone)} · ${STATUS_TEXT[l.status]}`;
  const lines = [`**${label}**`, '', `\`${l.file}\``, ''];
  lines.push(`- created ${formatDate(l.createdAt, timeZone)} (${l.createdAt})`);
  lines.push(`- archive ${formatBytes(l.size)}${m ? `: ${plural(m.entries, 'entry', 'entries')}, ${formatBytes(m.bytes)} of files` : ''}`);
  if (m) {
    if (m.source.engine) lines.push(`- from the Docker Engine at ${m.source.engine}`);
    if (m.source.image) lines.push(`- image ${m.source.image}`);
    if (m.paths?.length) lines.push(`- paths: ${m.paths.join(', ')}`);
    if (m.restoring) lines.push(`- taken before restoring ${m.restoring}`);
    lines.push(`- sha256 \`${m.sha256}\``);
  }
  lines.push('');
  lines.push(
    l.status === 'ok'
      ? 'The manifest beside it agrees with its size; its sha256 and every entry are checked before a restore writes anything.'
      : l.status === 'verified'
        ? 'Its sha256 matches the manifest.'
        : `${l.problem ?? STATUS_TEXT[l.status]}.`,
  );
  const icon =
    l.status === 'mismatch' || l.status === 'invalid-manifest'
      ? 'error'
      : l.status === 'no-manifest'
        ? 'warning'
        : m
          ? SOURCE_ICON[m.source.kind]
          : 'archive';
  const contextValue = ['plBackup', l.status, m?.layout ?? 'content', ...(safety ? ['safety'] : [])].join(' ');
  return { label, description, tooltip: lines.join('\n'), icon, contextValue };
}

/** A modal question. */
// The modal question every command asks through the Ui (src/vscode/ui).
export type { Confirmation } from '../ui/ui';
import type { Confirmation } from '../ui/ui';

/**
 * The restore's question when the target is not empty. `question` is the backend's: the target as it words it
 * and what is there, as data (`content.kind`): a count of entries, which of a rescue's paths exist, or unknown.
 */
export function overwriteConfirmation(
  question: { target: string; detail: string; content: TargetContent },
  archive: string,
  listing: Pick<BackupListing, 'createdAt' | 'manifest'> | undefined,
  backupFolder: string,
): Confirmation {
  const what = listing?.manifest ? ` (${describeSource(listing.manifest.source)}, ${formatDate(listing.createdAt)})` : '';
  const c = question.content;
  const there =
    c.kind === 'entries'
      ? ` It holds ${plural(c.count, 'entry', 'entries')}.`
      : c.kind === 'some'
        ? ''
        : ` ${capitalize(question.detail)}.`;
  return {
    kind: 'overwrite',
    message: `Replace what ${question.target} holds with ${basename(archive)}?`,
    detail:
      `${capitalize(question.target)} is not empty.${there} Restoring ${basename(archive)}${what} replaces the files and folders it has the same names as; ` +
      `what the archive does not hold stays. A safety backup of what is there now is taken first, into ${backupFolder}.`,
    action: 'Back Up and Replace',
  };
}

export function deleteConfirmation(l: BackupListing): Confirmation {
  const what = l.manifest ? `the backup of ${describeSource(l.manifest.source)} from ${formatDate(l.createdAt)}` : l.archive;
  return {
    kind: 'delete',
    message: `Delete ${what}?`,
    detail: `${l.file} (${formatBytes(l.size)})${l.manifest ? ' and its manifest are' : ' is'} deleted. This cannot be undone.`,
    action: 'Delete',
  };
}

export function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** The backend's error as a message: its own sentence, started with a capital. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return capitalize(text.trim());
}

const kept = (pruned: readonly string[], keep: number): string =>
  pruned.length ? ` Kept the newest ${keep} of this source; deleted ${plural(pruned.length, 'older backup', 'older backups')}.` : '';

export function backupDoneMessage(r: Pick<BackupResult, 'archive' | 'manifest' | 'pruned' | 'warnings'>, keep: number): string {
  const m = r.manifest;
  const warn = r.warnings.length ? ` ${plural(r.warnings.length, 'warning', 'warnings')}: ${r.warnings.join('; ')}.` : '';
  return `Backed up ${describeSource(m.source)}: ${plural(m.entries, 'entry', 'entries')}, ${formatBytes(m.bytes)} of files into ${basename(r.archive)} (${formatBytes(m.archiveBytes)}, in ${dirname(r.archive)}).${kept(r.pruned, keep)}${warn}`;
}

export function restoreDoneMessage(r: RestoreResult): string {
  const created = r.createdVolume ? ' (created)' : '';
  const safety = r.safetyBackup ? ` What was there before is in ${basename(r.safetyBackup.archive)}.` : '';
  const warn = r.warnings.length ? ` ${r.warnings.join('; ')}.` : '';
  return `Restored ${basename(r.archive)} into ${r.target}${created}: ${plural(r.entries, 'entry', 'entries')}, ${formatBytes(r.bytes)} of files.${safety}${warn}`;
}

export function rescueDoneMessage(r: RescueResult, keep: number): string {
  if (!r.archived || !r.archive || !r.manifest) {
    return `Nothing of container "${r.container}" is lost by a recreate: its writable layer, anonymous volumes and tmpfs mounts hold nothing worth keeping. No archive was written.`;
  }
  const shown = r.plan.roots.slice(0, 5).map((x) => x.path);
  const more = r.plan.roots.length > shown.length ? `, and ${r.plan.roots.length - shown.length} more` : '';
  return (
    `Rescued ${plural(r.plan.roots.length, 'path', 'paths')} of container "${r.container}" (${shown.join(', ')}${more}) into ${basename(r.archive)} ` +
    `(${formatBytes(r.manifest.archiveBytes)}, in ${dirname(r.archive)}). Persist those paths before recreating the container.${kept(r.pruned ?? [], keep)}`
  );
}

/**
 * Inside a container, a backup folder that dies with the container protects nothing. The backend refuses it
 * too, in the CLI's words (`--out DIR`); here the sentence names the setting and the persistent mounts.
 */
export function destinationRefusal(dir: string, v: DestinationVerdict): string | undefined {
  if (v.persistent) return undefined;
  const where =
    v.status === 'writable-layer'
      ? "this container's writable layer"
      : v.status === 'tmpfs'
        ? `a tmpfs (${v.mountPoint ?? ''})`
        : `${v.status ?? 'a mount'} ${v.mountPoint ?? ''}`.trim();
  const why =
    v.status === 'writable-layer' || v.status === 'tmpfs' || v.status === 'anonymous-volume'
      ? 'it would be lost with the container when it is recreated'
      : 'it is read-only';
  const instead = v.alternatives.length
    ? `Set the backup folder setting to a folder under a persistent mount: ${v.alternatives.join(', ')}.`
    : 'No writable mount of this container survives a recreate: mount a named volume or a host folder, and set the backup folder setting to a folder under it.';
  return `Backups are not written to ${dir}: it is in ${where}, so ${why}. ${instead}`;
}

/** "Backed up compose project "demo": 3 members, 12 MB of files, set demo.….set.json (in /backups)." */
export function projectBackupDoneMessage(
  r: { setFile: string; members: { result: { manifest: { bytes: number } } }[]; skipped: string[]; warnings: string[]; pruned: string[] },
  project: string,
  keep: number,
): string {
  const bytes = r.members.reduce((n, m) => n + m.result.manifest.bytes, 0);
  const skipped = r.skipped.length ? ` Not in the set: ${r.skipped.join('; ')}.` : '';
  const warn = r.warnings.length ? ` ${plural(r.warnings.length, 'warning', 'warnings')}: ${r.warnings.join('; ')}.` : '';
  return `Backed up compose project "${project}": ${plural(r.members.length, 'member', 'members')}, ${formatBytes(bytes)} of files, set ${basename(r.setFile)} (in ${dirname(r.setFile)}).${kept(r.pruned, keep)}${skipped}${warn}`;
}
