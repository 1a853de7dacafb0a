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
  /** No safe automatic edit: the advice says what to do (a variable into a persisted folder, a host file). */
  | { kind: 'advice'; advice: string };

const HISTORY = new Set(['.bash_history', '.zsh_history', '.ash_history']);

/** The history folder of the VS Code dev container docs' recipe ("Persist bash history"). */
export const HISTORY_FOLDER = '/commandhistory';

export function singleFileFix(path: string): SingleFileFix | undefined {
  const name = basenamePosix(path);
  const dir = parentPosix(path) ?? '/';
  const file = `${path} is a single file, and a volume can only be mounted on a folder (on a file path it would make a folder there and break whatever writes the file)`;
  if (name === 'config.json' && basenamePosix(dir) === '.docker') {
    return { kind: 'folder', folder: dir, why: `${path} is a single file: the volume goes on its folder ${dir}` };
  }
  if (HISTORY.has(name)) {
    return {
      kind: 'advice',
      advice: `${file}. Keep the history in a persisted folder instead: set HISTFILE=${HISTORY_FOLDER}/${name} in the service's environment (containerEnv in a devcontainer.json) and persist ${HISTORY_FOLDER} (persist --path ${HISTORY_FOLDER})`,
    };
  }
  if (name === '.claude.json') {
    return {
      kind: 'advice',
      advice: `${file}. Set CLAUDE_CONFIG_DIR=${dir}/.claude in the environment (Claude Code then keeps .claude.json in that folder) and persist ${dir}/.claude`,
    };
  }
  if (name === '.gitconfig') {
    return {
      kind: 'advice',
      advice: `${file}. Set GIT_CONFIG_GLOBAL=${dir}/.config/git/config in the environment and persist ${dir}/.config/git, or bind a host file (--bind ./gitconfig: create it on the host first, or Docker makes a folder there)`,
    };
  }
  if (name === '.git-credentials' || name === '.netrc') {
    return {
      kind: 'advice',
      advice: `${file}. Bind a host file (--bind ./${name.slice(1)}: create it on the host first, or Docker makes a folder there), or persist the folder ${dir} (which then hides what the image later puts there)`,
    };
  }
  return undefined;
}
