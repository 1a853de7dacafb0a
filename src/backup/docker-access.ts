import type Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ACTION_CONNECT_TIMEOUT_MS, connectDocker, type DockerConnection } from '../sources/docker/client';
import { BackupAbortedError, BackupFailedError, BackupInputError, errorCode, isAbortError, isBackupError, messageOf } from './errors';
import { isThisHost, processAlive, safeHost } from './archive-file';
import { readTar } from './tar-read';
import type { ArchiveEntry } from './tar-format';

/**
 * Reaching data through the Docker Engine without pulling or running anything:
 *
 * - a volume is reached through a helper container that is CREATED BUT NEVER STARTED, from an image already
 *   present (one a container using the volume runs, else any local image), with the volume mounted (read-only
 *   to back up, read-write to restore; never copied into from the image: `NoCopy`). The engine serves
 *   `GET/PUT /containers/{id}/archive` on such a container. The helper is removed afterwards, also on failure;
 * - a container path uses the same endpoint on the container itself, running or stopped.
 *
 * Helpers carry the label `persistence-lens.helper=1` and their owner (`host/pid`): one left behind by a
 * process that died (kill -9, the engine stopping) is removed by the next operation.
 */

export interface DockerOptions {
  /** A connection to use; otherwise one is made to `host` (or DOCKER_HOST, the context, the default socket). */
  docker?: DockerConnection;
  host?: string;
  /** Extra labels for helper containers and volumes created (tests label theirs). */
  helperLabels?: Record<string, string>;
  /** How long to keep trying to remove a helper when the engine does not answer (default 5000 ms). */
  helperCleanupMs?: number;
}

export const HELPER_LABEL = 'persistence-lens.helper';
export const OWNER_LABEL = 'persistence-lens.helper.owner';
/** Where the helper mounts the volume. */
export const HELPER_MOUNT = '/persistence-lens-volume';

export async function dockerFor(opts: DockerOptions): Promise<DockerConnection> {
  return (
    opts.docker ?? (await connectDocker({ ...(opts.host !== undefined ? { host: opts.host } : {}), timeoutMs: ACTION_CONNECT_TIMEOUT_MS }))
  );
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ENOENT',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** The engine went away (a reset connection, a refused one, a stream cut short), as opposed to an answer. */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code && CONNECTION_CODES.has(code)) return true;
  const m = messageOf(err);
  return /socket hang up|^aborted$|premature close|stream ended before|engine's archive stream ended early/i.test(m);
}

/** An error of an engine call as a sentence: `doing` is what was being done ("reading volume data"). */
export function translateDockerError(err: unknown, conn: DockerConnection, doing: string): Error {
  if (isBackupError(err)) return err;
  if (isAbortError(err)) return new BackupAbortedError(`${doing} was cancelled`);
  const status = (err as { statusCode?: unknown }).statusCode;
  const where = conn.endpoint.description;
  if (isConnectionError(err)) {
    const code = errorCode(err);
    return new BackupFailedError(`the Docker Engine at ${where} stopped answering while ${doing} (${code ?? messageOf(err)})`, {
      cause: err,
    });
  }
  if (typeof status === 'number') {
    const json = (err as { json?: { message?: unknown } }).json;
    const detail = typeof json?.message === 'string' ? json.message : messageOf(err).replace(/^\(HTTP code \d+\)\s*/, '');
    return new BackupFailedError(`the Docker Engine refused ${doing} (HTTP ${status}): ${detail.trim()}`, { cause: err });
  }
  return new BackupFailedError(`${doing} failed: ${messageOf(err)}`, { cause: err });
}

const ownerValue = (): string => `${safeHost()}/${process.pid}`;

/**
 * Removes helper containers left by operations that did not finish: those of this host whose process is
 * gone, and any created more than a day ago. Never throws.
 */
export async function sweepStaleHelpers(docker: Dockerode, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  try {
    const list = await docker.listContainers({ all: true, filters: { label: [`${HELPER_LABEL}=1`] } });
    for (const c of list) {
      const owner = c.Labels?.[OWNER_LABEL] ?? '';
      const [host, pidText] = owner.split('/');
      const pid = Number(pidText);
      const mine = isThisHost(host ?? '');
      const dead = mine && Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
      const old = now / 1000 - c.Created > 24 * 3600;
      if (!dead && !old) continue;
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .then(() => removed.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id))
        .catch(() => undefined);
    }
  } catch {
    // best effort
  }
  return removed;
}

/** An image to create a helper from: one a container using the volume runs, else any local image (no VOLUME lines preferred, smallest first). */
export async function pickHelperImage(docker: Dockerode, volume?: string): Promise<string> {
  const images = await docker.listImages();
  const present = new Set(images.map((i) => i.Id));
  if (volume) {
    const users = await docker.listContainers({ all: true, filters: { volume: [volume] } });
    for (const u of users) if (present.has(u.ImageID)) return u.ImageID;
  }
  if (images.length === 0) {
    throw new BackupInputError(
      'the Docker Engine has no image at all to create a helper container from (nothing is ever pulled): load or build any image first',
    );
  }
  const scored = await Promise.all(
    images.map(async (i) => {
      let volumes = 0;
      try {
        const info = await docker.getImage(i.Id).inspect();
        volumes = Object.keys(info.Config?.Volumes ?? {}).length;
      } catch {
        volumes = 1;
      }
      return { id: i.Id, volumes, size: i.Size };
    }),
  );
  scored.sort((a, b) => a.volumes - b.volumes || a.size - b.size);
  return scored[0]!.id;
}

export interface Helper {
  container: Dockerode.Container;
  id: string;
  name: string;
}

/**
 * Creates a never-started helper container with `volume` mounted at {@link HELPER_MOUNT} (stale helpers swept
 * first). The caller removes it with {@link removeHelper}: {@link withVolumeHelper} does for one operation, a
 * browse session (src/browse) keeps one for its lifetime.
 */
export async function createVolumeHelper(
  conn: DockerConnection,
  volume: string,
  mode: { readOnly: boolean },
  opts: DockerOptions,
): Promise<Helper> {
  const { docker } = conn;
  await sweepStaleHelpers(docker);
  const image = await pickHelperImage(docker, volume);
  const name = `persistence-lens-helper-${randomBytes(4).toString('hex')}`;
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      name,
      Image: image,
      Cmd: ['persistence-lens-helper-never-started'],
      Labels: { ...(opts.helperLabels ?? {}), [HELPER_LABEL]: '1', [OWNER_LABEL]: ownerValue() },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [{ Type: 'volume', Source: volume, Target: HELPER_MOUNT, ReadOnly: mode.readOnly, VolumeOptions: { NoCopy: true } }],
      },
    } as unknown as Dockerode.ContainerCreateOptions);
  } catch (err) {
    throw translateDockerError(err, conn, `creating a helper container for volume "${volume}"`);
  }
  return { container, id: container.id, name };
}

/**
 * Creates a never-started helper container with `volume` mounted at {@link HELPER_MOUNT}, runs `fn`, and
 * removes the helper (and any anonymous volume its image declared) whatever happens. When the engine does not
 * answer for the removal, it is retried for `helperCleanupMs`; if it still fails, the error says which helper
 * was left (the next operation removes it).
 */
export async function withVolumeHelper<T>(
  conn: DockerConnection,
  volume: string,
  mode: { readOnly: boolean },
  opts: DockerOptions & { signal?: AbortSignal },
  fn: (helper: Helper) => Promise<T>,
): Promise<T> {
  const { docker } = conn;
  const helper = await createVolumeHelper(conn, volume, mode, opts);
  let result: T;
  try {
    result = await fn(helper);
  } catch (err) {
    const left = await removeHelper(docker, helper, opts.helperCleanupMs ?? 5000);
    if (left && err instanceof Error) err.message += `. ${left}`;
    throw err;
  }
  const left = await removeHelper(docker, helper, opts.helperCleanupMs ?? 5000);
  if (left) throw new BackupFailedError(left);
  return result;
}

/** Removes the helper; returns a sentence when it could not. */
export async function removeHelper(docker: Dockerode, helper: Helper, budgetMs: number): Promise<string | undefined> {
  const deadline = Date.now() + budgetMs;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getContainer(helper.id).remove({ force: true, v: true });
      return undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 1000)));
  }
  return `The helper container ${helper.name} could not be removed (${errorCode(lastError) ?? messageOf(lastError)}); it is labelled ${HELPER_LABEL}=1 and the next backup or restore removes it, or run: docker rm -f ${helper.name}`;
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  isDir: boolean;
  isSymlink: boolean;
  /** Neither a directory, a symlink nor a device, fifo or socket. */
  isRegular: boolean;
  /** The engine's fully evaluated target (an absolute path in the container), for a symlink. */
  linkTarget: string;
  /** Modification time, ms since the epoch (0 when the engine did not say). */
  mtimeMs: number;
}

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
/** Go's os.ModeType: directory, symlink, named pipe, socket, device, char device, irregular. */
const GO_TYPE_BITS = [2 ** 31, 2 ** 27, 2 ** 25, 2 ** 24, 2 ** 26, 2 ** 21, 2 ** 19];

/** `HEAD /containers/{id}/archive?path=P`: what is at P, or undefined when nothing is. */
export async function statPath(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  signal?: AbortSignal,
): Promise<PathStat | undefined> {
  let res: IncomingMessage;
  try {
    res = (await container.infoArchive({ path, ...(signal ? { abortSignal: signal } : {}) })) as unknown as IncomingMessage;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404) {
      // 404 means "no such container" or "no such path"; the message tells them apart
      if (/no such container/i.test(JSON.stringify((err as { json?: unknown }).json ?? '')) || /No such container/.test(messageOf(err))) {
        throw new BackupInputError(`no container "${container.id}"`);
      }
      return undefined;
    }
    throw translateDockerError(err, conn, `looking at ${path} in the container`);
  }
  res.resume();
  const raw = res.headers['x-docker-container-path-stat'];
  const text = typeof raw === 'string' ? Buffer.from(raw, 'base64').toString('utf8') : '{}';
  const s = JSON.parse(text) as { name?: string; size?: number; mode?: number; linkTarget?: string; mtime?: string };
  const mode = s.mode ?? 0;
  const mtimeMs = s.mtime ? Date.parse(s.mtime) : NaN;
  return {
    name: s.name ?? '',
    size: s.size ?? 0,
    mode: mode % 2 ** 12,
    isDir: Math.floor(mode / GO_MODE_DIR) % 2 === 1,
    isSymlink: Math.floor(mode / GO_MODE_SYMLINK) % 2 === 1,
    isRegular: GO_TYPE_BITS.every((bit) => Math.floor(mode / bit) % 2 === 0),
    linkTarget: s.linkTarget ?? '',
    mtimeMs: Number.isFinite(mtimeMs) ? mtimeMs : 0,
  };
}

/** Names of an entry of the engine's archive, mapped; `undefined` drops the entry. */
export type NameMap = (name: string) => string | undefined;

/**
 * `GET /containers/{id}/archive?path=P` as entries. The engine prefixes every entry with the basename of P
 * (`.` when P ends in `/.`); `map` renames them (and hard links' targets the same way). A response cut short
 * is an error, never a silently shorter archive.
 */
export async function* engineArchive(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  map: NameMap,
  opts: { signal?: AbortSignal; doing: string; onResponse?: (res: IncomingMessage) => void },
): AsyncGenerator<ArchiveEntry> {
  const ask = async (p: string): Promise<IncomingMessage> => {
    try {
      return (await container.getArchive({ path: p, ...(opts.signal ? { abortSignal: opts.signal } : {}) })) as unknown as IncomingMessage;
    } catch (err) {
      throw translateDockerError(err, conn, opts.doing);
    }
  };
  let res = await ask(path);
  // Podman (4.x) names the entries otherwise: for `P/.` the content without a root entry (`a`, `d/b`), for a
  // directory P the root as `/` and the rest as `/a`. Its `P` form is asked for and renamed to Docker's names.
  let toDocker: ((name: string) => string) | undefined;
  if (res.headers['libpod-api-version'] !== undefined) {
    const dot = path.endsWith('/.');
    if (dot) {
      res.destroy();
      res = await ask(path.slice(0, -2) || '/');
    }
    const base = dot ? '.' : path.replace(/\/+$/, '').slice(path.replace(/\/+$/, '').lastIndexOf('/') + 1);
    toDocker = (n) => (n === '/' ? `${base}/` : n.startsWith('/') && base ? `${base}${n}` : n);
  }
  const podman = toDocker;
  const rename: NameMap = podman ? (n) => map(podman(n)) : map;
  opts.onResponse?.(res);
  let ended = false;
  res.on('end', () => (ended = true));
  try {
    for await (const entry of readTar(res as unknown as Readable, opts.signal ? { signal: opts.signal } : {})) {
      const name = rename(entry.header.name);
      if (name === undefined) continue;
      const header = { ...entry.header, name };
      if (header.type === 'link' && header.linkname !== undefined) {
        const target = rename(header.linkname);
        if (target === undefined) {
          // the link's target was dropped (it lies under a mount): keep the content instead — but the engine
          // sent no data for a link; report it
          throw new BackupFailedError(`${opts.doing}: the hard link ${name} points to ${header.linkname}, which is not archived`);
        }
        header.linkname = target;
      }
      yield entry.body ? { header, body: translatedBody(entry.body, conn, opts.doing) } : { header };
    }
  } catch (err) {
    throw translateDockerError(err, conn, opts.doing);
  }
  // The tar parser accepts a stream cut at an entry boundary: the HTTP response says whether it was complete.
  if (!ended || !res.complete)
    throw translateDockerError(
      Object.assign(new Error("the engine's archive stream ended early"), { code: 'ECONNRESET' }),
      conn,
      opts.doing,
    );
}

/** A body whose errors (the connection reset while its bytes stream) read like the rest. */
async function* translatedBody(body: AsyncIterable<Buffer>, conn: DockerConnection, doing: string): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } catch (err) {
    throw translateDockerError(err, conn, doing);
  }
}

/**
 * Maps the engine's names for an archive of a directory to the content layout: the first entry names the root
 * (`x/` or `./`), every other entry lies under it; all become `./`, `./a`, `./a/b`.
 */
export function contentNameMap(): NameMap {
  let rootName: string | undefined;
  return (name) => {
    const clean = name.replace(/\/+$/, '');
    if (rootName === undefined) {
      rootName = clean;
      return './';
    }
    if (clean === rootName) return './';
    if (!clean.startsWith(`${rootName}/`)) throw new BackupFailedError(`the engine's archive has an entry "${name}" outside "${rootName}"`);
    return `./${clean.slice(rootName.length + 1)}`;
  };
}

/** Maps the engine's names for an archive of a container path to root layout (`home/u/x`). */
export function rootNameMap(path: string, keep: (abs: string) => boolean = () => true): NameMap {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const rel = path.replace(/^\/+/, '');
  return (name) => {
    const clean = name.replace(/\/+$/, '');
    let abs: string;
    if (clean === base) abs = `/${rel}`;
    else if (clean.startsWith(`${base}/`)) abs = `/${rel}/${clean.slice(base.length + 1)}`;
    else throw new BackupFailedError(`the engine's archive of ${path} has an entry "${name}" outside it`);
    if (!keep(abs)) return undefined;
    return abs.slice(1);
  };
}

/** Labels for things created on the engine (volumes on restore). */
export function createdLabels(opts: DockerOptions): Record<string, string> {
  return { ...(opts.helperLabels ?? {}) };
}

/** A container by name or id, inspected; an input error when there is none. */
export async function findContainer(
  conn: DockerConnection,
  nameOrId: string,
): Promise<{ container: Dockerode.Container; info: Dockerode.ContainerInspectInfo }> {
  const container = conn.docker.getContainer(nameOrId);
  try {
    const info = await container.inspect();
    return { container: conn.docker.getContainer(info.Id), info };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404)
      throw new BackupInputError(`no container "${nameOrId}" on the Docker Engine at ${conn.endpoint.description}`);
    throw translateDockerError(err, conn, `looking up container "${nameOrId}"`);
  }
}

/** Whether a volume exists. */
export async function volumeExists(conn: DockerConnection, name: string): Promise<boolean> {
  try {
    await conn.docker.getVolume(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw translateDockerError(err, conn, `looking up volume "${name}"`);
  }
}

/**
 * `PUT /containers/{id}/archive?path=P`: the engine extracts the tar stream at P (which must exist). An
 * existing directory is never replaced by a non-directory or the reverse (`noOverwriteDirNonDir`).
 */
export async function putArchive(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  body: Readable,
  opts: { signal?: AbortSignal; doing: string },
): Promise<void> {
  // the body's own error (a refused entry, an archive that changed, a read error) is the real cause when
  // the request fails: the modem destroys the request with it
  let bodyError: unknown;
  body.on('error', (e) => (bodyError ??= e));
  try {
    await container.putArchive(body, { path, noOverwriteDirNonDir: true, ...(opts.signal ? { abortSignal: opts.signal } : {}) });
  } catch (err) {
    throw translateDockerError(bodyError ?? err, conn, opts.doing);
  } finally {
    body.destroy();
  }
  if (bodyError) throw translateDockerError(bodyError, conn, opts.doing);
}

/** Best-effort size of a volume from `GET /system/df` (the engine walks volumes); undefined when unknown in time. */
export async function volumeSize(
  conn: DockerConnection,
  name: string,
  timeoutMs = 3000,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  signal?.addEventListener('abort', () => ac.abort(), { once: true });
  try {
    const df =
      (await (
        conn.docker.df as (o: { abortSignal: AbortSignal }) => Promise<{ Volumes?: Array<{ Name: string; UsageData?: { Size?: number } }> }>
      )({ abortSignal: ac.signal })) ?? {};
    const v = df.Volumes?.find((x) => x.Name === name);
    const size = v?.UsageData?.Size;
    return typeof size === 'number' && size >= 0 ? size : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
