import type * as vscode from 'vscode';
import type { Progress } from '../../backup';
import { ProgressTranslator } from './progress-report';
import type { BackupUi, ProgressOptions } from './ui';

/**
 * Runs a backend operation (a backup, a restore, a rescue) under a progress indicator: its progress becomes the
 * notification's message and bar, and Cancel (the notification's token, or any other token given) aborts its
 * AbortSignal, which makes it stop and remove what it half-wrote.
 */
export async function withBackendProgress<T>(
  ui: BackupUi,
  opts: ProgressOptions,
  work: (operation: { signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<T>,
  extra: { tokens?: (vscode.CancellationToken | undefined)[]; observe?: ((p: Progress) => void) | undefined; abort?: AbortSignal } = {},
): Promise<T> {
  return ui.withProgress(opts, async (report, token) => {
    const controller = new AbortController();
    const links = linkCancellation([token, ...(extra.tokens ?? [])], controller);
    const onOuterAbort = (): void => controller.abort();
    extra.abort?.addEventListener('abort', onOuterAbort);
    if (extra.abort?.aborted) controller.abort();
    const translator = new ProgressTranslator();
    try {
      return await work({
        signal: controller.signal,
        onProgress: (p) => {
          report(translator.next(p));
          extra.observe?.(p);
        },
      });
    } finally {
      links.dispose();
      extra.abort?.removeEventListener('abort', onOuterAbort);
    }
  });
}

/** Aborts `controller` when any token is cancelled (already, or later). */
export function linkCancellation(
  tokens: readonly (vscode.CancellationToken | undefined)[],
  controller: AbortController,
): { dispose(): void } {
  const subs: { dispose(): unknown }[] = [];
  for (const t of tokens) {
    if (!t) continue;
    if (t.isCancellationRequested) controller.abort();
    subs.push(t.onCancellationRequested(() => controller.abort()));
  }
  return { dispose: () => subs.forEach((s) => s.dispose()) };
}
