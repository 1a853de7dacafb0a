import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { emptySightings, parseSightings, withSightings, type SightingRecord, type VolumeSighting } from '../../core/volume-sightings';

/** Larger than any honest record of MAX_SIGHTINGS volumes: a bigger file is not read (and is replaced). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The CLI's state folder: `$XDG_STATE_HOME/persistence-lens`, else `~/.local/state/persistence-lens`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_STATE_HOME?.trim();
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state'), 'persistence-lens');
}

export function defaultSightingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'volume-sightings.json');
}

/** Reads the record; a missing, oversized or damaged file is an empty record (it only ever helps). */
export async function readSightingsFile(file: string): Promise<SightingRecord> {
  try {
    const st = await fsp.lstat(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return emptySightings();
    return parseSightings(JSON.parse(await fsp.readFile(file, 'utf8')));
  } catch {
    return emptySightings();
  }
}

/**
 * Adds sightings to the file: read, merge, written to a temporary file and renamed (two CLIs at once lose at
 * most one's update, never the file). The folder is made 0700 and the file 0600: it names containers.
 */
export async function recordSightings(file: string, sightings: readonly VolumeSighting[]): Promise<void> {
  if (sightings.length === 0) return;
  const next = withSightings(await readSightingsFile(file), sightings);
  await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(tmp, JSON.stringify(next), { mode: 0o600, flag: 'wx' });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
