/**
 * Where the shared corpus of real compose files and devcontainer.json lives: `../shared/corpus` beside the
 * project. A clone made elsewhere (`git clone . /tmp/fresh`) finds it beside the repository it was cloned
 * from; PL_CORPUS names it explicitly. When none exists, the first candidate is returned, and the tests that
 * need it fail naming it: they never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '../../..');

function originCorpus(): string | undefined {
  try {
    const origin = execFileSync('git', ['-C', projectRoot, 'remote', 'get-url', 'origin'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    // only a clone of a local repository: a URL has no folder beside it
    return isAbsolute(origin) ? resolve(origin, '../shared/corpus') : undefined;
  } catch {
    return undefined;
  }
}

function locate(): string {
  const candidates = [process.env.PL_CORPUS, resolve(projectRoot, '../shared/corpus')].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  const beside = originCorpus();
  return beside && existsSync(beside) ? beside : candidates[0]!;
}

export const CORPUS_DIR = locate();
