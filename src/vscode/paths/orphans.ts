import { formatBytes } from '../../core/bytes';
import { isAbortError } from '../../core/errors';
import type { RecoverResult } from '../../backend';
import { linkCancellation } from '../backup/progress';
import { backend } from '../backend';
import { dockerHost } from '../settings';
import type { OrphanNode } from '../tree/nodes';
import { defaultRecoverName, recoveredMessage, VOLUME_NAME } from '../tree/present';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';
import type { OrphanedVolume } from '../../sources/docker/orphans';

export interface RecoverDeps {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  /** Refreshed after the copy (the Paths view, the Volumes view). */
  model: { refresh(): Promise<void> };
}

/**
 * Recover Into… on an orphaned anonymous volume: asks for the named volume (proposing `<project>_<basename>` or
 * `<container>-<basename>`), copies into it under a cancellable progress (the backend verifies the copy and
 * removes what it made on failure or cancel), says what it did, and refreshes the Paths view.
 */
export async function recoverOrphan(node: OrphanNode | undefined, deps: RecoverDeps): Promise<RecoverResult | undefined> {
  if (node?.kind !== 'orphan') return undefined;
  return recoverVolumeInto(node.orphan, deps);
}

/** Recover Into… for an anonymous volume no container uses, wherever it is shown (the Paths view, the Volumes view). */
export async function recoverVolumeInto(orphan: OrphanedVolume, deps: RecoverDeps): Promise<RecoverResult | undefined> {
  const { ui } = deps;
  const volume = orphan.name;
  const into = await ui.input({
    title: `Recover volume ${volume.slice(0, 12)} Into…`,
    prompt: 'The named volume to copy it into (created; an existing one must be empty)',
    value: defaultRecoverName(orphan),
    validate: (v) =>
      VOLUME_NAME.test(v)
        ? v === volume
          ? 'That is the volume itself'
          : undefined
        : 'A volume name is letters, digits, _ . - and starts with a letter or digit',
  });
  if (!into) return undefined;
  const hooks = deps.hooks();
  const host = dockerHost();
  try {
    const r = await ui.withProgress(
      { title: `Recovering volume ${volume.slice(0, 12)} into ${into}`, location: 'notification', cancellable: true },
      async (report, token) => {
        const controller = new AbortController();
        const links = linkCancellation([token, hooks?.cancellation], controller);
        try {
          return await backend().recoverVolume(
            { volume, into: { name: into, labels: {}, declaredBy: 'plain' } },
            {
              ...(host ? { host } : {}),
              ...(hooks?.helperLabels ? { helperLabels: hooks.helperLabels } : {}),
              signal: controller.signal,
              onBytes: (bytes) => report({ message: `${formatBytes(bytes)} copied` }),
            },
          );
        } finally {
          links.dispose();
        }
      },
    );
    void ui.show('info', recoveredMessage(r));
    return r;
  } catch (err) {
    void ui.show(isAbortError(err) ? 'info' : 'error', (err as Error).message);
    return undefined;
  } finally {
    void deps.model.refresh();
  }
}
