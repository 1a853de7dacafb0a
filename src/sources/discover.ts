/**
 * The config files of a folder, found the way the tools that use them find them: the compose file
 * `docker compose` picks with no `-f`, and every devcontainer.json VS Code offers to open.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_COMPOSE_FILES } from './compose/index';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function discoverConfigFiles(dir: string): Promise<{ compose: string[]; devcontainers: string[] }> {
  const compose: string[] = [];
  // docker compose takes the first of these that exists (and its override file, which the loader adds).
  for (const name of DEFAULT_COMPOSE_FILES) {
    const f = join(dir, name);
    if (await isFile(f)) {
      compose.push(f);
      break;
    }
  }

  const devcontainers: string[] = [];
  const main = join(dir, '.devcontainer', 'devcontainer.json');
  if (await isFile(main)) devcontainers.push(main);
  const rootFile = join(dir, '.devcontainer.json');
  if (await isFile(rootFile)) devcontainers.push(rootFile);
  let subdirs: string[] = [];
  try {
    const entries = await readdir(join(dir, '.devcontainer'), { withFileTypes: true });
    subdirs = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    // no .devcontainer folder
  }
  for (const sub of subdirs) {
    const f = join(dir, '.devcontainer', sub, 'devcontainer.json');
    if (await isFile(f)) devcontainers.push(f);
  }
  return { compose, devcontainers };
}
