import { prepareDestination, writeBackupArchive, failure, type BackupOptions, type BackupResult } from './backup';
import type Dockerode from 'dockerode';
import type { DockerConnection } from '../sources/docker/client';
import { dockerFor, engineArchive, findContainer, rootNameMap, statPath, translateDockerError } from './docker-access';
import { isUnavailable } from '../core/errors';
import { BackupInputError, isBackupError, throwIfAborted } from './errors';
import { ProgressReporter } from './progress';
import { execTarEntries, execTarRootEntries } from './exec-tar';
import {
  excludedBy,
  groupRoots,
  mountsAtRisk,
  planRescue,
  underOnly,
  type Change,
  type RescueGroup,
  type RescuePlan,
  type RescueRoot,
} from './rescue-plan';
import type { ArchiveEntry } from './tar-format';

export interface RescueResult extends Partial<BackupResult> {
  container: string;
  plan: RescuePlan;
  /** The rescued paths by the directory to persist. */
  groups: RescueGroup[];
  /** False when the writable layer held nothing worth keeping (no archive written). */
  archived: boolean;
  warnings: string[];
}

/**
 * Archives everything a recreate of a container would lose: what its writable layer holds (the engine's changes
 * list: added and modified paths; not deleted ones, not mounts, not the engine's own /etc/hosts, /etc/hostname,
 * /etc/resolv.conf) and what its anonymous volumes and tmpfs mounts hold (a redis `/data`), so the container can
 * be recreated without loss. Entries keep their paths from `/` (`home/coder/.ssh/id`);
 * `restore ARCHIVE --container C` puts them back. Works on running and stopped containers.
 */
export async function rescue(source: { container: string }, opts: BackupOptions = {}): Promise<RescueResult> {
  const reporter = new ProgressReporter('rescue', opts.onProgress, opts.progressIntervalMs);
  throwIfAborted(opts.signal, 'the rescue');
  const what = `the writable layer of container "${source.container}"`;
  const { dir, staleRemoved } = await prepareDestination(opts);
  const signalOpt = opts.signal ? { signal: opts.signal } : {};
  try {
    const conn = await dockerFor(opts);
    const { container, info } = await findContainer(conn, source.container);
    const name = info.Name.replace(/^\//, '');
    let raw: unknown;
    try {
      raw = await container.changes();
    } catch (err) {
      throw translateDockerError(err, conn, `reading the changes of container "${name}"`);
    }
    const changes: Change[] = Array.isArray(raw)
      ? raw.flatMap((c: { Path?: unknown; Kind?: unknown }) =>
          typeof c?.Path === 'string' && (c.Kind === 0 || c.Kind === 1 || c.Kind === 2) ? [{ path: c.Path, kind: c.Kind }] : [],
        )
      : [];
    const mounts = [
      ...(info.Mounts ?? []).map((m) => m.Destination),
      ...Object.keys((info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {}),
    ];
    const plan = await planRescue(changes, mounts, async (p) => (await statPath(conn, container, p, opts.signal))?.isDir ?? false);
    const running = info.State?.Running === true;
    const warnings: string[] = [];
    for (const m of mountsAtRisk(info.Mounts ?? [], (info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {})) {
      if (m.storage === 'tmpfs' && !running) {
        warnings.push(`the tmpfs at ${m.path} is empty while the container is stopped: nothing of it to rescue`);
        continue;
      }
      if (await mountHasContent(conn, container, m, opts.signal))
        plan.roots.push({ path: m.path, change: 'added', listed: 0, isDir: true, storage: m.storage });
    }
    const env = (info.Config.Env ?? []).find((e) => e.startsWith('HOME='))?.slice(5);
    const groups = groupRoots(plan.roots, env);
    const base: RescueResult = { container: name, plan, groups, archived: false, warnings, staleRemoved };
    if (plan.roots.length === 0) return base;
    // The engine's JSON turns every byte of a name that is not UTF-8 into U+FFFD, and such a path cannot be
    // asked for by name: fail rather than write an archive without it. (Below a rescued directory such names
    // are archived exactly: the engine's tar carries their bytes.)
    const unnamed: typeof plan.roots = [];
    for (const r of plan.roots) if (r.path.includes('\ufffd') && !(await statPath(conn, container, r.path, opts.signal))) unnamed.push(r);
    if (unnamed.length > 0) {
      const shown =
        unnamed
          .slice(0, 5)
          .map((r) => r.path)
          .join(', ') + (unnamed.length > 5 ? `, and ${unnamed.length - 5} more` : '');
      throw new BackupInputError(
        `cannot rescue ${what}: the engine reports ${unnamed.length === 1 ? 'a path' : `${unnamed.length} paths`} whose name is not valid UTF-8 (${shown}; � stands for the bytes) and cannot be asked for it by name. Back up the directory that holds it with \`persistence-lens backup --container ${name} --path DIR\` (names are kept byte for byte), or rename it; nothing was written`,
      );
    }

    reporter.setPhase('archiving');
    const keep = (abs: string): boolean => !excludedBy(abs, mounts);
    const entries = async function* (): AsyncGenerator<ArchiveEntry> {
      for (const root of plan.roots)
        yield* rootEntries(conn, container, root, mounts, keep, { doing: `reading ${root.path} of container "${name}"`, ...signalOpt });
    };
    const r = await writeBackupArchive(
      entries(),
      {
        source: {
          kind: 'rescue',
          name,
          container: name,
          containerId: info.Id,
          image: info.Config.Image,
          engine: conn.endpoint.description,
        },
        layout: 'root',
        purpose: 'backup',
        paths: plan.roots.map((x) => x.path),
        warnings: base.warnings,
        what,
      },
      dir,
      opts,
      reporter,
    );
    return { ...base, ...r, staleRemoved, archived: true };
  } catch (err) {
    if (isBackupError(err) || isUnavailable(err)) throw err;
    throw failure(err, `rescuing ${what}`, opts.signal);
  }
}

/** A root's entries in root layout: the engine's archive, or for a tmpfs `tar` run in the container. */
function rootEntries(
  conn: DockerConnection,
  container: Dockerode.Container,
  root: RescueRoot,
  mounts: readonly string[],
  keep: (abs: string) => boolean,
  opts: { doing: string; signal?: AbortSignal },
): AsyncIterable<ArchiveEntry> {
  if (!root.storage) return engineArchive(conn, container, root.path, rootNameMap(root.path, keep), opts);
  const own = underOnly(root.path, mounts);
  if (root.storage === 'anonymous-volume') return engineArchive(conn, container, root.path, rootNameMap(root.path, own), opts);
  // A tmpfs exists only in the container's mount namespace: the archive endpoint sees the empty directory under it.
  return execTarRootEntries(conn, container, root.path, { ...opts, keep: own });
}

/** Whether a mount holds anything: the first entries of its archive (an anonymous volume), or `ls -A` (a tmpfs). */
async function mountHasContent(
  conn: DockerConnection,
  container: Dockerode.Container,
  m: { path: string; storage: 'anonymous-volume' | 'tmpfs' },
  signal?: AbortSignal,
): Promise<boolean> {
  const doing = `looking into ${m.path}`;
  const source =
    m.storage === 'tmpfs'
      ? execTarEntries(conn, container, m.path, { doing, ...(signal ? { signal } : {}) })
      : engineArchive(conn, container, `${m.path}/.`, (x) => x, { doing, ...(signal ? { signal } : {}) });
  let n = 0;
  for await (const e of source) {
    if (e.body) for await (const _ of e.body) void _;
    // `tar` in the container is read to its end (a tmpfs is memory-sized): left unread it would block there
    if (++n > 1 && m.storage === 'anonymous-volume') return true;
  }
  return n > 1;
}
