import type Dockerode from 'dockerode';
import { existsSync, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyzeTarget } from '../core/analyze';
import { isAnonymousVolume, scanDocker } from '../sources/docker/scan';
import type { DockerConnection } from '../sources/docker/client';
import { writeFileAtomic } from './archive-file';
import { readdirOrEmpty } from './catalog';
import { backup, prepareDestination, DEFAULT_KEEP, type BackupOptions, type BackupResult } from './backup';
import {
  createdLabels,
  dockerFor,
  findContainer,
  statPath,
  translateDockerError,
  volumeExists,
  withVolumeHelper,
  HELPER_MOUNT,
} from './docker-access';
import { isAborted } from '../core/errors';
import { BackupInputError, isBackupError, messageOf, throwIfAborted } from './errors';
import { slug, utcStamp } from './location';
import { manifestPathFor, readManifestFor, readManifestText } from './manifest';
import { restore, type RestoreOptions, type RestoreResult } from './restore';
import { engineDirHasContent } from './restore-targets/engine-dir';
import { verifyArchive } from './archive-check';
import { contentAlone, needsForce, type TargetContent } from './restore-refusal';
import {
  isSetManifest,
  planMembers,
  setOwner,
  setsToPrune,
  targetVolumeName,
  COMPOSE_PROJECT,
  COMPOSE_SERVICE,
  COMPOSE_VOLUME,
  SET_FORMAT,
  SET_SUFFIX,
  type PlannedMember,
  type SetContainer,
  type SetManifest,
  type SetMember,
} from './set-plan';

/**
 * Sets: a compose project (or one container) backed up as one unit. Every named volume its containers mount and
 * every at-risk path that holds data (set-plan.ts chooses them, most critical first) becomes its own verified
 * archive (`backup()`), and one set manifest `<project>-<stamp>.set.json`, written last and atomically, names
 * them with their sha256. A set restores as a whole into the same project or a new one: every member is verified
 * before any is written.
 */

export type SetSource = { project: string } | { container: string };
export type SetTarget = { project: string } | { container: string };

export interface SetBackupOptions extends BackupOptions {
  /** Before each member is archived (the editor's progress names it). */
  onMember?: (member: PlannedMember, index: number, total: number) => void;
}

export interface SetBackupResult {
  setFile: string;
  set: SetManifest;
  members: Array<{ member: SetMember; result: BackupResult }>;
  /** Set files deleted by retention (their members with them). */
  pruned: string[];
  skipped: string[];
  warnings: string[];
}

export interface SetRestoreResult {
  setFile: string;
  target: string;
  members: Array<{ member: SetMember; target: string; result: RestoreResult }>;
  /** Volumes that did not exist and were made (with the project's compose labels). */
  createdVolumes: string[];
  warnings: string[];
}

export interface SetListing {
  file: string;
  name: string;
  set?: SetManifest;
  /** ok: every member is there with its manifest's size; else a sentence. */
  problem?: string;
}

async function inspectContainers(
  conn: DockerConnection,
  source: SetSource,
): Promise<{ infos: Dockerode.ContainerInspectInfo[]; project?: string }> {
  if ('container' in source) {
    const { info } = await findContainer(conn, source.container);
    const project = info.Config.Labels?.[COMPOSE_PROJECT];
    return { infos: [info], ...(project ? { project } : {}) };
  }
  let list: Dockerode.ContainerInfo[];
  try {
    list = await conn.docker.listContainers({ all: true, filters: { label: [`${COMPOSE_PROJECT}=${source.project}`] } });
  } catch (err) {
    throw translateDockerError(err, conn, `listing the containers of project "${source.project}"`);
  }
  if (list.length === 0)
    throw new BackupInputError(
      `no containers of compose project "${source.project}" on the Docker Engine at ${conn.endpoint.description} (a project's containers carry the label ${COMPOSE_PROJECT}=${source.project})`,
    );
  const infos: Dockerode.ContainerInspectInfo[] = [];
  for (const c of list) {
    try {
      infos.push(await conn.docker.getContainer(c.Id).inspect());
    } catch (err) {
      throw translateDockerError(err, conn, `inspecting container ${c.Names?.[0] ?? c.Id}`);
    }
  }
  infos.sort((a, b) => (a.Name < b.Name ? -1 : 1));
  return { infos, project: source.project };
}

async function toSetContainer(conn: DockerConnection, info: Dockerode.ContainerInspectInfo): Promise<SetContainer> {
  const volumes: SetContainer['volumes'] = [];
  for (const m of info.Mounts ?? []) {
    if (m.Type !== 'volume' || !m.Name) continue;
    const labels = await conn.docker
      .getVolume(m.Name)
      .inspect()
      .then((v) => (v.Labels ?? {}) as Record<string, string>)
      .catch(() => ({}) as Record<string, string>);
    const key = labels[COMPOSE_VOLUME];
    volumes.push({ name: m.Name, target: m.Destination, anonymous: !key && isAnonymousVolume(m.Name, labels), ...(key ? { key } : {}) });
  }
  const tmpfs = Object.keys((info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {});
  const service = info.Config.Labels?.[COMPOSE_SERVICE];
  return {
    name: info.Name.replace(/^\//, ''),
    id: info.Id,
    ...(service ? { service } : {}),
    volumes,
    mountPoints: [...(info.Mounts ?? []).map((m) => m.Destination), ...tmpfs],
  };
}

/** The sets in a folder (`*.set.json`), newest first; each checked for its members' presence and sizes. */
export async function listSets(dir: string): Promise<SetListing[]> {
  const names = await readdirOrEmpty(dir);
  const out: SetListing[] = [];
  for (const name of names.filter((n) => n.endsWith(SET_SUFFIX))) {
    const file = join(dir, name);
    const listing: SetListing = { file, name };
    try {
      const parsed = JSON.parse(await readManifestText(file)) as unknown;
      if (!isSetManifest(parsed)) listing.problem = 'not a Persistence Lens set manifest';
      else {
        listing.set = parsed;
        for (const m of parsed.members) {
          const st = await fsp.stat(join(dir, m.archive)).catch(() => undefined);
          if (!st) {
            listing.problem = `its member ${m.archive} is missing`;
            break;
          }
          if (st.size !== m.archiveBytes) {
            listing.problem = `its member ${m.archive} has ${st.size} bytes, the set says ${m.archiveBytes}`;
            break;
          }
        }
      }
    } catch (err) {
      listing.problem = `cannot be read (${messageOf(err)})`;
    }
    out.push(listing);
  }
  return out.sort((a, b) => (b.set?.sequence ?? -1) - (a.set?.sequence ?? -1) || (a.name < b.name ? 1 : -1));
}

function setPathFor(dir: string, owner: string, now: Date): string {
  const stem = `${slug(owner)}-${utcStamp(now)}`;
  for (let i = 1; ; i++) {
    const p = join(dir, `${i === 1 ? stem : `${stem}-${i}`}${SET_SUFFIX}`);
    if (!existsSync(p)) return p;
  }
}

/** Deletes the sets of `owner` beyond `keep` with their members (only those no kept set names). */
async function pruneSets(dir: string, owner: string, keep: number, justMade: string): Promise<string[]> {
  const sets = (await listSets(dir))
    .filter((l): l is SetListing & { set: SetManifest } => l.set !== undefined)
    .map((l) => ({ file: l.file, manifest: l.set }));
  const removed: string[] = [];
  for (const { set, archives } of setsToPrune(sets, owner, keep, justMade)) {
    try {
      // the set file first: a set whose members are half gone must not be offered for a restore
      await fsp.rm(set.file, { force: true });
      for (const a of archives) {
        await fsp.rm(join(dir, a), { force: true });
        await fsp.rm(manifestPathFor(join(dir, a)), { force: true });
      }
      removed.push(basename(set.file));
    } catch {
      // left for the next prune
    }
  }
  return removed;
}

/**
 * Backs up a compose project (every container with its label) or one container as a set. Nothing is left half
 * done: a member that fails removes the members already written, and the set manifest is written last.
 */
export async function backupSet(source: SetSource, opts: SetBackupOptions = {}): Promise<SetBackupResult> {
  throwIfAborted(opts.signal, 'the backup');
  const conn = await dockerFor(opts);
  const { infos, project } = await inspectContainers(conn, source);
  const containers = await Promise.all(infos.map((i) => toSetContainer(conn, i)));
  const what = 'project' in source ? `compose project "${source.project}"` : `container "${containers[0]!.name}"`;
  // The same reading and analysis as a scan, on the connection already open: what is at risk decides the members.
  const scanned = await scanDocker(conn, { containers: infos.map((i) => i.Id) });
  const plan = planMembers(scanned.targets.map(analyzeTarget), containers, project);
  const warnings: string[] = [];
  const skipped = [...plan.skipped];
  // a backup archives directories; a file at risk (a lone ~/.bash_history) is left to rescue, and said so
  const members: PlannedMember[] = [];
  for (const m of plan.members) {
    if (m.kind === 'container-path') {
      const c = containers.find((x) => x.name === m.container)!;
      const st = await statPath(conn, conn.docker.getContainer(c.id), m.path, opts.signal).catch(() => undefined);
      if (!st) {
        skipped.push(`${m.path} of ${m.container}: not there`);
        continue;
      }
      if (!st.isDir) {
        warnings.push(
          `${m.path} of ${m.container} is a file, not a directory: it is not in the set (persistence-lens rescue --container ${m.container} archives it)`,
        );
        continue;
      }
    }
    members.push(m);
  }
  if (members.length === 0)
    throw new BackupInputError(`${what} has no named volumes and no paths at risk that hold data: there is nothing to back up`);

  const { dir } = await prepareDestination(opts);
  const now = (opts.now ?? (() => new Date()))();
  const owner = 'project' in source ? source.project : containers[0]!.name;
  const setFile = setPathFor(dir, owner, now);
  const setName = basename(setFile);
  const done: Array<{ member: SetMember; result: BackupResult }> = [];
  const memberOpts: BackupOptions = { ...opts, outDir: dir, keep: 0, memberOf: setName, checkDestination: false };
  delete (memberOpts as SetBackupOptions).onMember;
  try {
    for (const [i, m] of members.entries()) {
      throwIfAborted(opts.signal, `backing up ${what}`);
      opts.onMember?.(m, i, members.length);
      const result = await backup(
        m.kind === 'volume' ? { kind: 'volume', volume: m.volume! } : { kind: 'container-path', container: m.container!, path: m.path },
        memberOpts,
      );
      warnings.push(...result.warnings);
      const man = result.manifest;
      done.push({
        member: { ...m, archive: man.archive, sha256: man.sha256, archiveBytes: man.archiveBytes, entries: man.entries, bytes: man.bytes },
        result,
      });
    }
    const sequence =
      1 +
      Math.max(
        0,
        ...(await listSets(dir)).filter((l) => l.set && setOwner(l.set) === setOwner(setFor(source, owner))).map((l) => l.set!.sequence),
      );
    const set: SetManifest = {
      format: SET_FORMAT,
      ...setFor(source, owner, project),
      createdAt: now.toISOString(),
      sequence,
      engine: conn.endpoint.description,
      members: done.map((d) => d.member),
      ...(skipped.length ? { skipped } : {}),
    };
    throwIfAborted(opts.signal, `backing up ${what}`);
    await writeFileAtomic(setFile, JSON.stringify(set, null, 2) + '\n');
    const pruned = await pruneSets(dir, setOwner(set), opts.keep ?? DEFAULT_KEEP, setFile).catch(() => []);
    return { setFile, set, members: done, pruned, skipped, warnings };
  } catch (err) {
    // members without their set are of no use as a set and would never be pruned: they go
    for (const d of done) {
      await fsp.rm(d.result.archive, { force: true }).catch(() => undefined);
      await fsp.rm(d.result.manifestPath, { force: true }).catch(() => undefined);
    }
    await fsp.rm(setFile, { force: true }).catch(() => undefined);
    if (isBackupError(err)) {
      err.message = `${err.message} (backing up ${what}: ${done.length} of ${members.length} members were written and removed again; no set was written)`;
      throw err;
    }
    throw err;
  }
}

function setFor(source: SetSource, owner: string, project?: string): Pick<SetManifest, 'kind' | 'project' | 'container'> {
  return 'project' in source
    ? { kind: 'project', project: source.project }
    : { kind: 'container', container: owner, ...(project ? { project } : {}) };
}

/** Reads and checks a set manifest (a regular file of at most 16 MB, our format). */
export async function readSet(setFile: string): Promise<SetManifest> {
  let text: string;
  try {
    text = await readManifestText(setFile);
  } catch (err) {
    throw new BackupInputError(
      `cannot read the set ${setFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(err)}; nothing was restored`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BackupInputError(`the set ${setFile} is not valid JSON (${messageOf(err)}); nothing was restored`);
  }
  if (!isSetManifest(parsed))
    throw new BackupInputError(`${setFile} is not a Persistence Lens set manifest (format ${SET_FORMAT}); nothing was restored`);
  return parsed;
}

interface ResolvedMember {
  member: SetMember;
  file: string;
  target: { kind: 'volume'; volume: string } | { kind: 'container-path'; container: string; path: string };
  describe: string;
}

/**
 * Restores a set into a compose project (the same one: the original volumes; another: `<project>_<key>` volumes
 * made with its compose labels, so `docker-compose -p <project> up` takes them) or into one container. Every member
 * is verified (its manifest, the set's sha256, every entry) and every target checked before anything is written;
 * a non-empty target needs `force` (or `confirmOverwrite`) and gets a safety backup, as restore() does. Paths go
 * into the project's containers of the same service, which must exist (`docker-compose -p P up --no-start`).
 */
export async function restoreSet(setFile: string, target: SetTarget, opts: RestoreOptions = {}): Promise<SetRestoreResult> {
  throwIfAborted(opts.signal, 'the restore');
  const file = resolve(setFile);
  const set = await readSet(file);
  const dir = dirname(file);
  const what = 'project' in target ? `compose project "${target.project}"` : `container "${target.container}"`;

  // 1. every member verified before anything is written
  for (const m of set.members) {
    const archive = join(dir, m.archive);
    const refuse = (why: string): BackupInputError =>
      new BackupInputError(`the set ${basename(file)} is refused: its member ${m.archive} (${m.key}) ${why}; nothing was restored`);
    if (!existsSync(archive)) throw refuse('is missing');
    const manifest = await readManifestFor(archive).catch((err: Error) => {
      throw refuse(`has a manifest that cannot be used (${err.message})`);
    });
    if (!manifest) throw refuse('has no manifest beside it');
    if (manifest.sha256 !== m.sha256 || manifest.archiveBytes !== m.archiveBytes)
      throw refuse('is not the archive the set was made with (its sha256 or size differs)');
    try {
      await verifyArchive(archive, { manifest, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      if (isAborted(err)) throw err;
      throw refuse(`fails verification: ${messageOf(err)}`);
    }
  }

  // 2. where each member goes
  const conn = await dockerFor(opts);
  const resolved: ResolvedMember[] = [];
  const missing: string[] = [];
  let containersOf: Map<string, string> | undefined;
  if ('project' in target) {
    const list = await conn.docker
      .listContainers({ all: true, filters: { label: [`${COMPOSE_PROJECT}=${target.project}`] } })
      .catch((err) => {
        throw translateDockerError(err, conn, `listing the containers of project "${target.project}"`);
      });
    containersOf = new Map(list.map((c) => [c.Labels?.[COMPOSE_SERVICE] ?? '', (c.Names?.[0] ?? c.Id).replace(/^\//, '')]));
  }
  for (const m of set.members) {
    const archive = join(dir, m.archive);
    if (m.kind === 'volume') {
      const volume = 'project' in target ? targetVolumeName(m, set, target.project) : m.volume!;
      resolved.push({ member: m, file: archive, target: { kind: 'volume', volume }, describe: `volume "${volume}"` });
      continue;
    }
    let container: string | undefined;
    if ('container' in target) container = target.container;
    else if (m.service) container = containersOf!.get(m.service);
    else if (set.project === target.project) container = m.container;
    if (!container) {
      missing.push(m.service ? `service "${m.service}"` : `container "${m.container}"`);
      continue;
    }
    resolved.push({
      member: m,
      file: archive,
      target: { kind: 'container-path', container, path: m.path },
      describe: `${m.path} of container "${container}"`,
    });
  }
  if (missing.length > 0) {
    const hint =
      'project' in target
        ? `: create them first with \`docker-compose -p ${target.project} up --no-start\` (the paths go into the containers), then restore the set`
        : '';
    throw new BackupInputError(`${what} has no container for ${[...new Set(missing)].join(', ')}${hint}; nothing was restored`);
  }

  // 3. targets that hold something: refused as a whole without force, before anything is written
  const nonEmpty: string[] = [];
  for (const r of resolved) {
    if (r.target.kind === 'volume') {
      const vol = r.target.volume;
      if (!(await volumeExists(conn, vol))) continue;
      const full = await withVolumeHelper(conn, vol, { readOnly: true }, opts, (h) =>
        engineDirHasContent(conn, h.container, HELPER_MOUNT, opts.signal),
      );
      if (full) nonEmpty.push(r.describe);
    } else {
      const { container } = await findContainer(conn, r.target.container);
      const st = await statPath(conn, container, r.target.path, opts.signal);
      if (st?.isDir && (await engineDirHasContent(conn, container, r.target.path, opts.signal))) nonEmpty.push(r.describe);
    }
  }
  let force = !!opts.force;
  if (nonEmpty.length > 0 && !force) {
    const content: TargetContent = { kind: 'targets', targets: nonEmpty };
    if (opts.confirmOverwrite && (await opts.confirmOverwrite({ target: what, detail: contentAlone(content), content }))) force = true;
    else throw needsForce(what, content);
  }

  // 4. the volumes of a new project, made as compose makes them; then every member
  const createdVolumes: string[] = [];
  const results: SetRestoreResult['members'] = [];
  const warnings: string[] = [];
  try {
    if ('project' in target) {
      for (const r of resolved) {
        if (r.target.kind !== 'volume' || (await volumeExists(conn, r.target.volume))) continue;
        const labels = { ...createdLabels(opts), [COMPOSE_PROJECT]: target.project, [COMPOSE_VOLUME]: r.member.key };
        try {
          await conn.docker.createVolume({ Name: r.target.volume, Labels: labels });
        } catch (err) {
          throw translateDockerError(err, conn, `creating volume "${r.target.volume}"`);
        }
        createdVolumes.push(r.target.volume);
      }
    }
    for (const r of resolved) {
      const { confirmOverwrite: _c, ...rest } = opts;
      void _c;
      const result = await restore(r.file, r.target, { ...rest, force });
      warnings.push(...result.warnings.filter((w) => !warnings.includes(w)));
      results.push({ member: r.member, target: r.describe, result });
    }
  } catch (err) {
    if (results.length === 0)
      for (const v of createdVolumes)
        await conn.docker
          .getVolume(v)
          .remove()
          .catch(() => undefined);
    if (err instanceof Error && results.length > 0)
      err.message += ` (restoring the set ${basename(file)} into ${what}: ${results.map((r) => r.target).join(', ')} were restored before this)`;
    throw err;
  }
  return { setFile: file, target: what, members: results, createdVolumes, warnings };
}
