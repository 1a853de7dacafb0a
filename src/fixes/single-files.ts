import { basenamePosix, parentPosix } from '../core/paths';

/**
 * Paths the catalog knows to be single FILES (shell history, `~/.claude.json`, `~/.gitconfig`, credentials). A named
 * volume is a folder: mounted on a file path it makes that path a folder, and the program that writes the file
 * fails. Each gets the fix that works for it: a folder the file lives in when that folder is the tool's own, else
 * a variable that moves the file into a persisted folder, else a host file bound in, and the sentence that says which.
 */
export type SingleFileFix =
  /** Persist the folder that holds it instead (`~/.docker` for `~/.docker/config.json`). */
  | { kind: 'folder'; folder: string; why: string }
  /** The tool reads a variable that moves the file into a folder, which gets the volume. */
  | { kind: 'redirect'; redirect: FileRedirect }
  /** No safe automatic edit: the advice says what to do (a host file bound in, or the folder that holds it). */
  | { kind: 'advice'; advice: string };

/** A single file moved into a persisted folder by a variable its tool reads. */
export interface FileRedirect {
  /** The file at risk (`/root/.bash_history`). */
  file: string;
  /** The variable the tool reads (`HISTFILE`). */
  variable: string;
  /** Its new value (`/commandhistory/.bash_history`; a folder for CLAUDE_CONFIG_DIR). */
  value: string;
  /** The folder that gets the volume (`/commandhistory`). */
  folder: string;
  /** Where the file lives once the variable is set (the path its data is moved to). */
  movedTo: string;
  /** Why this fix and not a volume on the file, for the user. */
  why: string;
}

const HISTORY = new Set(['.bash_history', '.zsh_history', '.ash_history']);

/** The history folder of the VS Code dev container docs' recipe ("Persist bash history"). */
export const HISTORY_FOLDER = '/commandhistory';

function redirect(r: Omit<FileRedirect, 'why'>, tool: string): SingleFileFix {
  const why = `${r.file} is a single file, and a volume can only be mounted on a folder: ${tool} reads ${r.variable}, so ${r.variable}=${r.value} keeps it as ${r.movedTo} in ${r.folder}, which gets the volume`;
  return { kind: 'redirect', redirect: { ...r, why } };
}

export function singleFileFix(path: string): SingleFileFix | undefined {
  const name = basenamePosix(path);
  const dir = parentPosix(path) ?? '/';
  const home = dir === '/' ? '' : dir;
  const file = `${path} is a single file, and a volume can only be mounted on a folder (on a file path it would make a folder there and break whatever writes the file)`;
  if (name === 'config.json' && basenamePosix(dir) === '.docker') {
    return { kind: 'folder', folder: dir, why: `${path} is a single file: the volume goes on its folder ${dir}` };
  }
  if (HISTORY.has(name)) {
    const movedTo = `${HISTORY_FOLDER}/${name}`;
    return redirect({ file: path, variable: 'HISTFILE', value: movedTo, folder: HISTORY_FOLDER, movedTo }, 'the shell');
  }
  if (name === '.claude.json') {
    // Claude Code keeps .claude.json inside CLAUDE_CONFIG_DIR when the variable is set.
    const folder = `${home}/.claude`;
    return redirect({ file: path, variable: 'CLAUDE_CONFIG_DIR', value: folder, folder, movedTo: `${folder}/.claude.json` }, 'Claude Code');
  }
  if (name === '.gitconfig') {
    const folder = `${home}/.config/git`;
    return redirect({ file: path, variable: 'GIT_CONFIG_GLOBAL', value: `${folder}/config`, folder, movedTo: `${folder}/config` }, 'git');
  }
  if (name === '.git-credentials' || name === '.netrc') {
    // No variable moves these for every tool that reads them (git's credential store takes a --file, curl a --netrc-file).
    return {
      kind: 'advice',
      advice: `${file}, and no variable moves it for every tool that reads it. Bind a host file (--bind ./${name.slice(1)}: create it on the host first, or Docker makes a folder there), or persist the folder ${dir} (which then hides what the image later puts there)`,
    };
  }
  return undefined;
}

/** What to do for a single file, as a sentence (the refusal where no automatic fix applies). */
export function singleFileAdvice(fix: SingleFileFix): string {
  switch (fix.kind) {
    case 'folder':
      return fix.why;
    case 'advice':
      return fix.advice;
    case 'redirect': {
      const r = fix.redirect;
      return `${r.why}. Set ${r.variable}=${r.value} in the environment and persist ${r.folder} (persist --path ${r.folder})`;
    }
  }
}
