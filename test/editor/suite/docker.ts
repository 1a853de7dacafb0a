// The Docker side of the editor suite's backup tests: the docker CLI against the engine the runner started,
// and what a volume holds, compared file by file. Not a test file: each *.test.ts that imports it gets a copy.
import { execFileSync } from 'node:child_process';

/** What every container and volume the tests create carries, so that a crashed run's leftovers can be found. */
export const LABEL = 'persistence-lens.test=1';
export const IMAGE = 'persistence-test:latest';

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

/** Runs a shell script in a throwaway container with `volume` at /d. */
export function inVolume(volume: string, script: string, readOnly = false): string {
  return docker('run', '--rm', '--label', LABEL, '-v', `${volume}:/d${readOnly ? ':ro' : ''}`, IMAGE, 'sh', '-c', script);
}

/**
 * A script printing everything at `paths` (relative to `dir`): every entry's type, mode and size, every file's
 * sha256, every link's target.
 */
export const DIGEST = (dir: string, paths = '.') =>
  `cd ${dir} && find ${paths} -exec stat -c "%n|%F|%a|%s" {} + && find ${paths} -type f -exec sha256sum {} + && find ${paths} -type l -exec stat -c "%n|%N" {} +`;

/** The output of {@link DIGEST} as sorted lines that two copies of the same files share. */
export function digestLines(out: string): string[] {
  return (
    out
      .split('\n')
      .filter(Boolean)
      // a directory's size depends on the file system's bookkeeping, not on what it holds
      .map((l) => l.replace(/^(.*\|directory\|\d+)\|\d+$/, '$1'))
      .sort()
  );
}

/** Everything in a volume, as {@link digestLines}. */
export const digest = (volume: string): string[] => digestLines(inVolume(volume, DIGEST('/d'), true));

/** Removes containers (with their anonymous volumes) and volumes, whether or not they still exist. */
export function removeQuietly(containers: Iterable<string>, volumes: Iterable<string>): void {
  for (const c of containers) {
    try {
      docker('rm', '-f', '-v', c);
    } catch {}
  }
  for (const v of volumes) {
    try {
      docker('volume', 'rm', '-f', v);
    } catch {}
  }
}
