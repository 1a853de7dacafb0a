import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { dockerFor, engineArchive, HELPER_MOUNT, statPath, withVolumeHelper, type DockerOptions } from '../backup/docker-access';
import { hashStream } from '../backup/hash-count';
import type { ArchiveEntry } from '../backup/tar-format';
import { copyIntoVolume } from './copy';
import { MoveError, moveFailure } from './errors';
import { moveIntoVolume, type MoveOptions, type MoveResult } from './index';
import { cleanPath } from './source';
import { discardTargetVolume } from './target-volume';
import { TreeDigest, type TreeRecord } from './tree-digest';

/**
 * The container the editor runs in cannot be recreated by the editor and survive it: its path is copied live
 * into the new volume, and this manifest, left at the volume's root, lets the editor (started again in the
 * recreated container) tell whether the path it now sees is what was copied. The editor reports that once and
 * removes the manifest — only a file whose content says this tool wrote it.
 */
export const MOVE_MANIFEST = '.persistence-lens-move.json';
const MANIFEST_TOOL = 'persistence-lens';
const MANIFEST_KIND = 'live-move';

export interface MoveManifest {
  tool: typeof MANIFEST_TOOL;
  kind: typeof MANIFEST_KIND;
  version: 1;
  /** The path in the container, where the volume is to be mounted. */
  path: string;
  volume: string;
  /** The container the data was copied from (the one to be recreated). */
  container: string;
  files: number;
  bytes: number;
  entries: number;
  /** sha256 over every entry's record (type, mode, owner, size, content digest, link), the manifest left out. */
  digest: string;
  copiedAt: string;
}

/** A tree's records as one hash, the manifest itself left out: what the recreated container's path must match. */
export function digestSummary(tree: TreeDigest): { digest: string; files: number; bytes: number; entries: number } {
  const hash = createHash('sha256');
  let files = 0;
  let bytes = 0;
  let entries = 0;
  const all = tree.entries();
  for (const path of [...all.keys()].sort()) {
    if (path === MOVE_MANIFEST) continue;
    const r = all.get(path)!;
    entries++;
    if (r.type === 'file') {
      files++;
      bytes += r.size;
    }
    hash.update(JSON.stringify([path, r.type, r.mode, r.uid, r.gid, r.size, r.sha256 ?? '', r.link ?? '', r.linkedWith ?? '']));
    hash.update('\n');
  }
  return { digest: hash.digest('hex'), files, bytes, entries };
}

export function manifestFor(move: MoveResult, path: string, now = new Date()): MoveManifest {
  return {
    tool: MANIFEST_TOOL,
    kind: MANIFEST_KIND,
    version: 1,
    path: cleanPath(path),
    volume: move.volume,
    container: move.container.name,
    ...digestSummary(move.digest),
    copiedAt: now.toISOString(),
  };
}

/** A manifest this tool wrote, or undefined for anything else (someone else's file of that name is left alone). */
export function parseMoveManifest(text: string): MoveManifest | undefined {
  let m: Partial<MoveManifest>;
  try {
    m = JSON.parse(text) as Partial<MoveManifest>;
  } catch {
    return undefined;
  }
  const ok =
    m &&
    m.tool === MANIFEST_TOOL &&
    m.kind === MANIFEST_KIND &&
    m.version === 1 &&
    typeof m.path === 'string' &&
    typeof m.volume === 'string' &&
    typeof m.digest === 'string' &&
    /^[0-9a-f]{64}$/.test(m.digest) &&
    Number.isInteger(m.files) &&
    Number.isInteger(m.bytes) &&
    Number.isInteger(m.entries);
  return ok ? (m as MoveManifest) : undefined;
}

/** Writes the manifest at the volume's root (root-owned, 0644), the root itself untouched. */
export async function writeMoveManifest(manifest: MoveManifest, opts: DockerOptions & { signal?: AbortSignal } = {}): Promise<void> {
  const conn = await dockerFor(opts);
  const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  async function* entries(): AsyncGenerator<ArchiveEntry> {
    yield {
      header: {
        name: `./${MOVE_MANIFEST}`,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime: Math.floor(Date.now() / 1000),
      },
      body: (async function* () {
        yield body;
      })(),
    };
  }
  await copyIntoVolume(conn, manifest.volume, entries(), { entries: 0, bytes: 0 }, { ...opts, docker: conn }).catch((err) => {
    throw moveFailure(err, `writing ${MOVE_MANIFEST} into volume "${manifest.volume}"`);
  });
}

/** The manifest at a volume's root, when this tool wrote one there. */
export async function readVolumeManifest(
  volume: string,
  opts: DockerOptions & { signal?: AbortSignal } = {},
): Promise<MoveManifest | undefined> {
  const conn = await dockerFor(opts);
  return withVolumeHelper(conn, volume, { readOnly: true }, { ...opts, docker: conn }, async (helper) => {
    let text: string | undefined;
    const at = `${HELPER_MOUNT}/${MOVE_MANIFEST}`;
    if (!(await statPath(conn, helper.container, at, opts.signal))) return undefined;
    {
      for await (const e of engineArchive(conn, helper.container, at, (n) => n, {
        doing: `reading ${MOVE_MANIFEST} of volume "${volume}"`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      })) {
        const chunks: Buffer[] = [];
        if (e.body) for await (const c of e.body) chunks.push(c);
        if (e.header.type === 'file' && text === undefined && e.header.size <= 64 * 1024) text = Buffer.concat(chunks).toString('utf8');
      }
    }
    return text === undefined ? undefined : parseMoveManifest(text);
  });
}

/**
 * "Copy again" right before the user recreates: what the path holds now replaces the earlier live copy. Only a
 * volume whose manifest says this tool filled it from this path is emptied (made again alike: driver, options,
 * labels), then filled and verified as the first time, and given a new manifest.
 */
export async function copyAgainIntoVolume(
  req: { container: string; path: string; volume: string },
  opts: Omit<MoveOptions, 'commit' | 'restartAfter'> = {},
): Promise<{ move: MoveResult; manifest: MoveManifest }> {
  const conn = await dockerFor(opts);
  const dOpts = { ...opts, docker: conn };
  const path = cleanPath(req.path);
  const previous = await readVolumeManifest(req.volume, dOpts);
  if (!previous || previous.path !== path) {
    throw new MoveError(
      `the volume "${req.volume}" holds no copy of ${path} made by Persistence Lens (no ${MOVE_MANIFEST} for that path at its root): it is left as it is, nothing was copied`,
    );
  }
  let info: { Driver: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null };
  try {
    info = (await conn.docker.getVolume(req.volume).inspect()) as unknown as typeof info;
  } catch (err) {
    throw moveFailure(err, `looking up volume "${req.volume}"`);
  }
  const labels = info.Labels ?? {};
  const emptied = await discardTargetVolume(conn, {
    name: req.volume,
    created: false,
    adopted: { driver: info.Driver, options: info.Options ?? {}, labels },
  });
  if (!/is empty again/.test(emptied)) throw new MoveError(`copying ${path} again: ${emptied}`);
  const move = await moveIntoVolume(
    { container: req.container, path, target: { name: req.volume, labels, declaredBy: 'plain' }, live: true },
    dOpts,
  );
  const manifest = manifestFor(move, path);
  await writeMoveManifest(manifest, dOpts);
  return { move, manifest };
}

/**
 * The tree at a local directory as the move records it (type, permission bits, owner, size, sha256, link target,
 * hard-link groups): the recreated container's path, read from inside it.
 */
export async function localTreeDigest(root: string): Promise<TreeDigest> {
  const tree = new TreeDigest();
  const inodes = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const abs = rel ? join(root, rel) : root;
    const st = await fsp.lstat(abs);
    const header = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isFile() && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = inodes.get(key);
      if (first !== undefined) return tree.addHardLink(rel, first, header);
      inodes.set(key, rel);
    }
    const base: TreeRecord = {
      type: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'other',
      ...header,
      size: st.isFile() ? st.size : 0,
    };
    if (st.isSymbolicLink()) base.link = await fsp.readlink(abs);
    if (st.isFile()) base.sha256 = await fileSha256(abs);
    tree.add(rel, base);
    if (st.isDirectory()) for (const name of (await fsp.readdir(abs)).sort()) await walk(rel ? `${rel}/${name}` : name);
  };
  await walk('');
  return tree;
}

async function fileSha256(file: string): Promise<string> {
  return (await hashStream(createReadStream(file) as AsyncIterable<Buffer>)).sha256;
}

export type MovedPathCheck =
  | { status: 'verified'; manifest: MoveManifest; removed: boolean }
  | { status: 'differs'; manifest: MoveManifest; found: { files: number; bytes: number; entries: number }; removed: boolean };

/**
 * In the recreated container: the manifest at `dir` (the mount point of a volume), if this tool wrote it, the
 * path compared with it, and the manifest removed (it has done its job either way; a difference is reported
 * once). Undefined when there is no manifest of ours there.
 */
export async function checkMovedPath(dir: string): Promise<MovedPathCheck | undefined> {
  const file = join(dir, MOVE_MANIFEST);
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  const manifest = text === undefined ? undefined : parseMoveManifest(text);
  if (!manifest || manifest.path !== cleanPath(dir)) return undefined;
  const found = digestSummary(await localTreeDigest(dir));
  // removed only when it still holds what was read (a file someone replaced meanwhile is not ours)
  const removed =
    (await fsp.readFile(file, 'utf8').catch(() => undefined)) === text &&
    (await fsp.rm(file).then(
      () => true,
      () => false,
    ));
  return found.digest === manifest.digest
    ? { status: 'verified', manifest, removed }
    : { status: 'differs', manifest, found: { files: found.files, bytes: found.bytes, entries: found.entries }, removed };
}
