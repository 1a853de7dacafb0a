import { formatBytes } from '../../core/bytes';
import { basename } from 'node:path';
import type { MoveOffer, MoveProgress, MoveResult, SingleFileFix } from '../../backend';

/**
 * The choices of Persist Path… (no vscode import: unit-tested in test/unit/vscode/paths/persist-policy.test.ts).
 *
 * - A path that holds data now, in a container that runs from the declaring file, is offered "Move current
 *   data" first: only editing the file would give the recreated container an empty volume there.
 * - "Only edit the file" stays (the user may not want the data, or may move it some other way), saying that the
 *   data stays behind.
 * - A database never gets a host folder: a bind depends on the host's ownership and file system (the image
 *   chowns its data directory at start), which the quick fixes refuse too (src/fixes/diagnose/fixes.ts).
 */

export type PersistMode = 'move' | 'volume' | 'bind';

export interface PersistChoice {
  mode: PersistMode;
  label: string;
  detail: string;
}

export interface PersistSituation {
  path: string;
  /** The declaring file as the user knows it (workspace-relative). */
  file: string;
  /** The catalog's category of the path ('database', 'ssh', ...), when the scan knows the path. */
  category?: string;
  /** The backend's quick fixes planned no host-folder fix for this finding (it refuses one for a database). */
  noBind?: boolean;
  /** The scan saw data there (the writable layer holds files there). */
  holdsDataByScan?: boolean;
  /** What the backend found: the one container that runs from the file, the path's storage there. */
  offer?: MoveOffer;
  /** The path is a single file (history, .gitconfig…): a volume never goes on it (single-files.ts). */
  singleFile?: SingleFileFix;
}

/** The container's data can be moved: it holds something a recreate would lose, and the move can read it. */
export function canMove(s: PersistSituation): boolean {
  const o = s.offer;
  if (!o) return false;
  if (o.source === 'named-volume' || o.source === 'bind') return false;
  // a tmpfs is empty once its container stopped: nothing left to move
  if (o.source === 'tmpfs' && !o.container.running) return false;
  return o.holdsData || (o.source === 'writable-layer' && s.holdsDataByScan === true);
}

const RECREATE_WORDS: Record<MoveOffer['recreate'], string> = {
  compose: 'the container is recreated with docker compose (when you choose Recreate now)',
  devcontainer: 'the dev container is rebuilt (when you choose Recreate now)',
  container: 'the container is recreated with the same settings plus the volume (when you choose Recreate now)',
};

export function moveDetail(s: PersistSituation): string {
  const o = s.offer!;
  if (o.self) {
    return `${o.container.name} is the container this editor runs in, so it keeps running: ${s.path} is copied into a new volume as it is now and verified, then ${s.file} is edited. What is written to ${s.path} after the copy is not included (Copy Again before you recreate it yourself).`;
  }
  const stop =
    o.source === 'tmpfs'
      ? `${o.container.name} keeps running (a tmpfs is empty once stopped)`
      : o.container.running
        ? `${o.container.name} is stopped`
        : `${o.container.name} stays stopped`;
  return `${stop}, ${s.path} is copied into a new volume and verified, ${s.file} is edited, then ${RECREATE_WORDS[o.recreate]} and the data checked again there.`;
}

/** What the "how" question offers, in order. */
export function persistChoices(s: PersistSituation): PersistChoice[] {
  const single = s.singleFile;
  if (single?.kind === 'redirect') {
    // The variable moves the file into a folder that gets the volume; a host FOLDER on a file path would break it.
    const r = single.redirect;
    const behind = canMove(s) ? ` What ${s.path} holds now stays behind (copy it to ${r.movedTo} after the recreate).` : '';
    return [{ mode: 'volume', label: `$(arrow-right) Move into ${r.folder} and set ${r.variable}`, detail: `${r.why}.${behind}` }];
  }
  if (single?.kind === 'advice') {
    return [{ mode: 'bind', label: '$(file) Bind a host file…', detail: `${single.advice}.` }];
  }
  const move = canMove(s);
  const behind = move ? ` What ${s.path} holds now stays behind: the recreated container starts with it empty.` : '';
  const choices: PersistChoice[] = [];
  if (move) choices.push({ mode: 'move', label: '$(arrow-right) Move current data (recommended)', detail: moveDetail(s) });
  choices.push({
    mode: 'volume',
    label: move ? '$(edit) Only edit the file' : '$(database) Named volume',
    detail: `${move ? 'Adds a named volume to ' + s.file + '.' : 'Docker manages it; it survives recreating the container and compose down (not down -v).'}${behind}`,
  });
  if (s.category !== 'database' && !s.noBind) {
    choices.push({
      mode: 'bind',
      label: '$(folder) Bind a host folder…',
      detail: `The files stay in a folder of the host that you choose.${behind}`,
    });
  }
  return choices;
}

/** The host folder proposed for a bind: `./data/<name>` beside the file (dots dropped: `.ssh` → `ssh`). */
export function defaultBindFolder(path: string): string {
  return `./data/${basename(path).replace(/^\.+/, '') || 'data'}`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
}

/** "1 file (312 B)", "214 files (48.3 MB)": a count and a size a person reads at a glance. */
export function filesAndSize(files: number, bytes: number): string {
  return `${files} file${files === 1 ? '' : 's'} (${formatBytes(bytes)})`;
}

const PHASE_WORDS: Record<MoveProgress['phase'], string> = {
  preparing: 'Preparing',
  stopping: 'Stopping the container',
  copying: 'Copying',
  verifying: 'Verifying the copy',
  committing: 'Editing the file',
  restarting: 'Starting the container again',
};

/** The progress notification's message. */
export function progressMessage(p: MoveProgress): string {
  const counts = p.files > 0 || p.phase === 'copying' ? `: ${p.files} files, ${megabytes(p.bytes)}` : '';
  return `${PHASE_WORDS[p.phase]}${counts}`;
}

/** The report the issue asks for: "Moved N files (X MB) into volume V, verified …". */
export function movedSentence(move: Pick<MoveResult, 'files' | 'bytes' | 'volume'>, verifiedWhere: string): string {
  return `Moved ${filesAndSize(move.files, move.bytes)} into volume ${move.volume}, verified ${verifiedWhere}`;
}

export const RECREATE_NOW = 'Recreate now';
export const COPY_AGAIN = 'Copy Again';

/** What the message after a verified move says and offers. */
export function afterMoveMessage(a: { move: MoveResult; offer: MoveOffer; file: string; path: string; instructions: string }): {
  level: 'info' | 'warning';
  text: string;
  actions: string[];
} {
  const { move, offer } = a;
  const warnings = move.warnings.length > 0 ? ` Note: ${move.warnings.join('; ')}.` : '';
  if (offer.self) {
    return {
      level: 'warning',
      text: `Copied ${filesAndSize(move.files, move.bytes)} of ${a.path} into volume ${move.volume} while this container ran, verified in the volume; ${a.file} declares it. What is written to ${a.path} from now on is NOT in the volume: choose ${COPY_AGAIN} right before you recreate this container (${a.instructions}). When the editor starts in the recreated container it checks the path.`,
      actions: [COPY_AGAIN],
    };
  }
  const stopped = move.leftStopped ? ` ${move.container.name} was stopped for the copy and stays stopped until it is recreated.` : '';
  const original =
    move.source.kind === 'anonymous-volume' && move.source.volume
      ? ` The anonymous volume ${move.source.volume.slice(0, 12)} still holds the original data (nothing removes it): once the new container is fine, docker volume rm ${move.source.volume}.`
      : '';
  return {
    level: 'info',
    text: `${movedSentence(move, 'in the volume')}; ${a.file} declares it.${stopped}${warnings}${original} Recreate the container to use it.`,
    actions: [RECREATE_NOW],
  };
}
