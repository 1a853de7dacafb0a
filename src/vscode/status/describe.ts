import type { FileAssessment } from '../save/policy';
import { lostWhen } from '../save/policy';
import { STATUS_WORDS, survivalSentences, survivalRow } from '../tree/present';

/** What the status bar shows for the active editor's file. */
export interface FileStatusView {
  /** With a codicon: "$(warning) At risk: writable layer", "$(shield) Persistent: volume cfg". */
  text: string;
  /** Markdown. */
  tooltip: string;
  atRisk: boolean;
}

/** The thing that keeps a persistent file: "volume cfg", "bind mount /srv/app", "host disk". */
function keeper(a: FileAssessment): string {
  const { status, source } = a.where;
  if (status === 'named-volume') return source ? `volume ${source}` : 'named volume';
  if (status === 'bind-mount') {
    // No mount point: the root of a host (not a container) is its own disk.
    if (a.where.mountPoint === undefined) return 'host disk';
    return source ? `bind mount ${source}` : 'bind mount';
  }
  return STATUS_WORDS[status];
}

/** `canPersist`: false in an untrusted workspace, where the extension edits no file (a click only reveals). */
export function describeFileStatus(a: FileAssessment, canPersist = true): FileStatusView {
  const s = survivalSentences(a.where.survives);
  const place = a.label ? ` (${a.label})` : '';
  const storage = a.where.mountPoint ? `${keeper(a)}, mounted at ${a.where.mountPoint}` : keeper(a);
  const table = survivalRow(a.where.survives);
  if (a.where.readOnly) {
    return {
      text: `$(lock) Read-only: ${keeper(a)}`,
      tooltip: `**${a.where.path}**${place}\n\nOn ${storage}, read-only: nothing written here can be lost.\n\n${table}`,
      atRisk: false,
    };
  }
  if (a.atRisk) {
    return {
      text: `$(warning) At risk: ${STATUS_WORDS[a.where.status]}`,
      tooltip: [
        `**${a.where.path}**${place}`,
        `On ${a.where.status === 'writable-layer' ? "the container's writable layer" : storage}: lost when ${lostWhen(a)}.`,
        `**Survives:** ${s.survives}.`,
        `**Lost on:** ${s.lost}.`,
        table,
        canPersist ? 'Click to persist this folder or show it in the Persistence view.' : 'Click to show it in the Persistence view.',
      ].join('\n\n'),
      atRisk: true,
    };
  }
  return {
    text: `$(shield) Persistent: ${keeper(a)}`,
    tooltip: [`**${a.where.path}**${place}`, `Kept by ${storage}.`, `**Survives:** ${s.survives}.`, `**Lost on:** ${s.lost}.`, table].join(
      '\n\n',
    ),
    atRisk: false,
  };
}
