import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { join } from 'node:path';

/**
 * Which Docker daemon to talk to, decided the way the docker CLI decides it (plus Podman's socket).
 * Reads only the environment and the files under ~/.docker (and TLS certificates it is pointed at);
 * never connects. dockerode reads DOCKER_HOST but not Docker contexts, hence this module.
 */
export interface DockerEndpoint {
  /** Where and why, for messages: `unix:///var/run/docker.sock (default)`, `tcp://1.2.3.4:2376 (DOCKER_HOST)`. */
  description: string;
  /** Options for dockerode's constructor: socketPath | host+port+protocol(+ca/cert/key) | protocol 'ssh'+host/username/port. */
  modemOptions: Record<string, unknown>;
}

export interface ResolveEndpointOptions {
  /** An explicit address (`--host`, a setting): `unix:///path`, `/path`, `tcp://h:p`, `ssh://user@h`, `npipe://...`. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  exists?: (p: string) => boolean;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DEFAULT_WINDOWS_PIPE = '//./pipe/docker_engine';

/**
 * Order: explicit `host` > `DOCKER_HOST` > the current Docker context (`DOCKER_CONTEXT`, else `currentContext` in
 * `config.json`) > a Podman socket that exists > /var/run/docker.sock. Throws an Error naming the file when a
 * config.json or a context's meta.json cannot be read or parsed, or when the current context does not exist.
 */
export function resolveDockerEndpoint(opts: ResolveEndpointOptions = {}): DockerEndpoint {
  const env = opts.env ?? process.env;
  const home = opts.homedir ?? osHomedir();
  const exists = opts.exists ?? existsSync;

  if (opts.host?.trim()) return fromHost(opts.host.trim(), 'explicit', { env, tls: tlsFromEnv(env, home) });
  if (env.DOCKER_HOST?.trim()) return fromHost(env.DOCKER_HOST.trim(), 'DOCKER_HOST', { env, tls: tlsFromEnv(env, home) });

  const configDir = env.DOCKER_CONFIG?.trim() || join(home, '.docker');
  const context = env.DOCKER_CONTEXT?.trim() || currentContextOf(join(configDir, 'config.json'));
  if (context && context !== 'default') return fromContext(context, configDir, env);
  if (context === 'default') return socketEndpoint(DEFAULT_DOCKER_SOCKET, "context 'default'");

  const podman = [env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined, '/run/podman/podman.sock'];
  for (const p of podman) if (p && exists(p)) return socketEndpoint(p, 'podman socket');

  if (process.platform === 'win32')
    return { description: `npipe://${DEFAULT_WINDOWS_PIPE} (default)`, modemOptions: { socketPath: DEFAULT_WINDOWS_PIPE } };
  return socketEndpoint(DEFAULT_DOCKER_SOCKET, 'default');
}

function socketEndpoint(path: string, via: string): DockerEndpoint {
  return { description: `unix://${path} (${via})`, modemOptions: { socketPath: path } };
}

interface TlsFiles {
  /** Directory holding ca.pem, cert.pem, key.pem ('' for none). */
  dir: string;
  /** All three files must be there (DOCKER_CERT_PATH); a context's TLS directory may hold only some. */
  required: boolean;
}

/** DOCKER_TLS_VERIFY (any non-empty value) turns TLS on, with certificates from DOCKER_CERT_PATH or ~/.docker. */
function tlsFromEnv(env: NodeJS.ProcessEnv, home: string): TlsFiles | undefined {
  if (!env.DOCKER_TLS_VERIFY) return undefined;
  return { dir: env.DOCKER_CERT_PATH?.trim() || join(home, '.docker'), required: true };
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the TLS file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function fromHost(host: string, via: string, ctx: { env: NodeJS.ProcessEnv; tls: TlsFiles | undefined }): DockerEndpoint {
  if (host.startsWith('/')) return socketEndpoint(host, via);
  if (host.startsWith('unix://')) return socketEndpoint(host.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET, via);
  if (host.startsWith('npipe://')) {
    const pipe = host.slice('npipe://'.length) || DEFAULT_WINDOWS_PIPE;
    return { description: `npipe://${pipe} (${via})`, modemOptions: { socketPath: pipe } };
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `tcp://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`${via}: "${host}" is not a Docker address (expected unix:///path, tcp://host:port or ssh://user@host)`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) throw new Error(`${via}: "${host}" names no host`);

  if (scheme === 'ssh') {
    const port = url.port ? Number(url.port) : 22;
    const username = decodeURIComponent(url.username) || undefined;
    const modemOptions: Record<string, unknown> = { protocol: 'ssh', host: hostname, port };
    if (username) modemOptions.username = username;
    if (ctx.env.SSH_AUTH_SOCK) modemOptions.sshOptions = { agent: ctx.env.SSH_AUTH_SOCK };
    return { description: `ssh://${username ? `${username}@` : ''}${url.host} (${via})`, modemOptions };
  }
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new Error(`${via}: unsupported scheme "${scheme}://" in "${host}" (expected unix://, tcp://, ssh:// or npipe://)`);
  }

  // Like dockerode: https when TLS is asked for, when the scheme says so, or on the TLS port 2376.
  const tls = ctx.tls ?? (scheme === 'https' || url.port === '2376' ? { dir: '', required: false } : undefined);
  const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
  const modemOptions: Record<string, unknown> = { host: hostname, port, protocol: tls ? 'https' : 'http' };
  if (tls?.dir) {
    for (const name of ['ca', 'cert', 'key'] as const) {
      const file = join(tls.dir, `${name}.pem`);
      if (tls.required || existsSync(file)) modemOptions[name] = readPem(file);
    }
  }
  if (url.pathname && url.pathname !== '/') modemOptions.pathPrefix = url.pathname;
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  return { description: `tcp://${shownHost}:${port}${url.pathname !== '/' ? url.pathname : ''} (${via})`, modemOptions };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** `currentContext` of the docker CLI's config.json; undefined when the file or the key is missing. */
function currentContextOf(configFile: string): string | undefined {
  if (!existsSync(configFile)) return undefined;
  const json = readJson(configFile);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${configFile} is not a JSON object`);
  const ctx = (json as Record<string, unknown>).currentContext;
  if (ctx === undefined || ctx === null || ctx === '') return undefined;
  if (typeof ctx !== 'string') throw new Error(`${configFile}: "currentContext" is not a string`);
  return ctx;
}

/** The docker CLI stores a context under the SHA-256 (hex) of its name. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function fromContext(name: string, configDir: string, env: NodeJS.ProcessEnv): DockerEndpoint {
  const hash = contextDirName(name);
  const metaFile = join(configDir, 'contexts', 'meta', hash, 'meta.json');
  if (!existsSync(metaFile)) throw new Error(`Docker context '${name}' does not exist (no ${metaFile})`);
  const meta = readJson(metaFile);
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown } } } | null)?.Endpoints?.docker;
  if (!docker || typeof docker.Host !== 'string' || !docker.Host)
    throw new Error(`${metaFile}: no Endpoints.docker.Host for context '${name}'`);
  const tlsDir = join(configDir, 'contexts', 'tls', hash, 'docker');
  // `docker context create --docker "host=...,ca=...,cert=...,key=..."` copies the files here.
  const tls = ['ca.pem', 'cert.pem', 'key.pem'].some((f) => existsSync(join(tlsDir, f))) ? { dir: tlsDir, required: false } : undefined;
  return fromHost(docker.Host, `context '${name}'`, { env, tls });
}
