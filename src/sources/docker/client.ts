import type Dockerode from 'dockerode';
import { resolveDockerEndpoint, type DockerEndpoint } from './endpoint';
import { isAbortError, PersistenceLensError } from '../../core/errors';

/**
 * A connection to a Docker (or Podman) daemon. dockerode is loaded only here, inside connectDocker, so that
 * importing this module (the extension's activation does) costs nothing.
 */
export interface DockerConnection {
  docker: Dockerode;
  endpoint: DockerEndpoint;
}

export interface ConnectOptions {
  /** An explicit address; otherwise DOCKER_HOST, the Docker context, Podman, the default socket. */
  host?: string;
  /** How long the daemon has to answer (default 3000 ms). */
  timeoutMs?: number;
  /** An endpoint already resolved (takes precedence over `host`). */
  endpoint?: DockerEndpoint;
}

/** The daemon did not answer: the message names the address tried and why. */
export class DockerUnavailableError extends PersistenceLensError<'unavailable'> {
  readonly endpoint: DockerEndpoint;
  /** The system error code when there is one: ENOENT, EACCES, ECONNREFUSED, ETIMEDOUT... */
  readonly code?: string;

  constructor(endpoint: DockerEndpoint, reason: string, opts: { cause?: unknown; code?: string } = {}) {
    super('unavailable', reason, {
      message: `Cannot reach the Docker daemon at ${endpoint.description}: ${reason}`,
      ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
    });
    this.name = 'DockerUnavailableError';
    this.endpoint = endpoint;
    if (opts.code) this.code = opts.code;
  }
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
/**
 * How long an action the user asked for (a move, a recreate, a backup, a restore) gives the daemon to answer.
 * A scan says within seconds that no daemon answers; an action waits longer, because a daemon busy with other
 * work (a large copy, a build, another project's `up`) can take several seconds for a ping, and failing a
 * recreate that follows a move for that leaves the user with half of what they asked for.
 */
export const ACTION_CONNECT_TIMEOUT_MS = 15_000;

function address(endpoint: DockerEndpoint): string {
  const o = endpoint.modemOptions;
  if (typeof o.socketPath === 'string') return o.socketPath;
  return `${String(o.host)}:${String(o.port)}`;
}

/** A sentence for why the daemon did not answer. */
function reasonFor(err: unknown, endpoint: DockerEndpoint, timeoutMs: number): { reason: string; code?: string } {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const where = address(endpoint);
  const isSocket = typeof endpoint.modemOptions.socketPath === 'string';
  switch (code) {
    case 'ENOENT':
      return { code, reason: `no socket at ${where} (ENOENT). Is the Docker daemon running? Point DOCKER_HOST or --host at its socket.` };
    case 'EACCES':
    case 'EPERM':
      return {
        code,
        reason: `permission denied on ${where} (${code}). Add your user to the group that owns the socket (usually "docker") or run with more rights.`,
      };
    case 'ECONNREFUSED':
      return {
        code,
        reason: isSocket
          ? `connection refused on ${where} (ECONNREFUSED): the socket file exists but no daemon listens on it (a daemon that died leaves it behind).`
          : `connection refused by ${where} (ECONNREFUSED): nothing listens there.`,
      };
    case 'ENOTSOCK':
      return { code, reason: `${where} is not a socket (ENOTSOCK).` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code, reason: `the host of ${where} cannot be resolved (${code}).` };
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code, reason: `${where} did not answer (${code}).` };
    default:
      break; // no code, or one without a sentence of its own: the checks below
  }
  if (isAbortError(err) || (err as { timedOut?: boolean } | undefined)?.timedOut) {
    return {
      code: 'ETIMEDOUT',
      reason: `no answer within ${timeoutMs} ms (timeout): something is there but it does not answer like a Docker daemon.`,
    };
  }
  if (typeof e?.statusCode === 'number') {
    return {
      reason: `it answered GET /_ping with HTTP ${e.statusCode}: it is not a Docker Engine API, or it is not healthy (${String(e.message ?? '').trim()}).`,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ...(code ? { code } : {}), reason: message || 'unknown error' };
}

/**
 * Resolves the endpoint, loads dockerode and pings the daemon: the cheapest answer it gives (GET /version costs
 * it several milliseconds more: it asks the kernel and every component).
 * Throws DockerUnavailableError when it does not answer in time; an Error when the configuration is broken
 * (a malformed ~/.docker/config.json, an unknown context).
 */
export async function connectDocker(opts: ConnectOptions = {}): Promise<DockerConnection> {
  const endpoint = opts.endpoint ?? resolveDockerEndpoint(opts.host !== undefined ? { host: opts.host } : {});
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const { default: Docker } = await import('dockerode');
  // docker-modem merges its own reading of DOCKER_HOST under the options: blank out what we do not set, so the
  // endpoint resolved here is the one used.
  const base: Record<string, unknown> = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    username: undefined,
    sshOptions: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  let docker: Dockerode;
  try {
    docker = new Docker({ ...base, ...endpoint.modemOptions } as Dockerode.DockerOptions);
  } catch (err) {
    throw new DockerUnavailableError(endpoint, `cannot set up the client: ${(err as Error).message}`, { cause: err });
  }

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { timedOut: true }));
    }, timeoutMs);
  });
  try {
    const ask = (docker.ping as (o: { abortSignal: AbortSignal }) => Promise<unknown>)({ abortSignal: controller.signal });
    // The losing promise must not reject unhandled.
    ask.catch(() => undefined);
    await Promise.race([ask, timeout]);
    return { docker, endpoint };
  } catch (err) {
    const { reason, code } = reasonFor(err, endpoint, timeoutMs);
    throw new DockerUnavailableError(endpoint, reason, { cause: err, ...(code ? { code } : {}) });
  } finally {
    clearTimeout(timer);
    timeout.catch(() => undefined);
  }
}
