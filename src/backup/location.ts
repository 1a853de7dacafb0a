import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ARCHIVE_SUFFIX, MANIFEST_SUFFIX, type SourceKind } from './manifest';

/** Where backups go and what they are called. */

/** `$XDG_DATA_HOME/persistence-lens/backups`, `XDG_DATA_HOME` defaulting to `~/.local/share`. */
export function defaultBackupDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_DATA_HOME?.trim();
  const data = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(data, 'persistence-lens', 'backups');
}

/**
 * Creates the backup directory (mode 0700, parents as needed). The default directory is tightened to 0700
 * when it already exists; a directory the user named is left as it is (the archives themselves are 0600).
 */
export async function ensureBackupDir(dir: string, opts: { isDefault: boolean }): Promise<string> {
  const abs = resolve(dir);
  const existed = existsSync(abs);
  await fsp.mkdir(abs, { recursive: true, mode: 0o700 });
  if (!existed || opts.isDefault) await fsp.chmod(abs, 0o700).catch(() => undefined);
  const st = await fsp.stat(abs);
  if (!st.isDirectory()) throw new Error(`${abs} is not a directory`);
  return abs;
}

/** File-name-safe form of a name: letters, digits, `.`, `_`, `-`; at most 60 characters. */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-{2,}/g, '-');
  return (s || 'root').slice(0, 60).replace(/[-.]+$/, '');
}

/** `20261121T184435Z` (UTC, whole seconds). */
export function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export interface SourceIdentity {
  kind: SourceKind;
  name: string;
  container?: string;
}

/** The part of a file name that says what was backed up: `volume-data`, `container-web-home-coder`, `local-notes-1a2b3c4d`, `rescue-web`. */
export function sourceSlug(src: SourceIdentity): string {
  switch (src.kind) {
    case 'volume':
      return `volume-${slug(src.name)}`;
    case 'container-path':
      return `container-${slug(src.container ?? 'container')}-${slug(src.name)}`;
    case 'local': {
      const h = createHash('sha256').update(src.name).digest('hex').slice(0, 8);
      return `local-${slug(basename(src.name) || 'root')}-${h}`;
    }
    case 'rescue':
      return `rescue-${slug(src.name)}`;
  }
}

/** A key that is equal for backups of the same source (retention groups by it). */
export function sourceKey(src: SourceIdentity): string {
  return src.kind === 'container-path' ? `${src.kind}:${src.container ?? ''}:${src.name}` : `${src.kind}:${src.name}`;
}

/**
 * A free archive path in `dir`: `<prefix><source>-<UTC stamp>.tar.gz`, with `-2`, `-3`... when a backup of the
 * same source was made within the same second.
 */
export function archivePathFor(dir: string, src: SourceIdentity, date: Date, prefix = ''): string {
  const stem = `${prefix}${sourceSlug(src)}-${utcStamp(date)}`;
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? stem : `${stem}-${i}`;
    const archive = join(dir, candidate + ARCHIVE_SUFFIX);
    if (!existsSync(archive) && !existsSync(join(dir, candidate + MANIFEST_SUFFIX))) return archive;
  }
}
