import { spawn } from 'node:child_process';
import { isAbortError } from '../core/errors';
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  COMPOSE_VERSION_LABEL,
  COMPOSE_WORKING_DIR_LABEL,
  composeConfigFiles,
} from '../sources/docker/compose-labels';

/**
 * Recreating one compose service after its file gained a volume: which compose is installed, and the exact
 * `up -d` that recreates that service of that project, wherever it is run from.
 */

export interface ComposeRef {
  project: string;
  service: string;
  workingDir: string;
  /** Absolute paths. */
  configFiles: string[];
  /** The compose version that made the container (`com.docker.compose.version`). */
  version?: string;
}

/** From a container's labels; Compose v1 writes a RELATIVE com.docker.compose.project.config_files: resolve against com.docker.compose.project.working_dir. */
export function composeRefOf(labels: Record<string, string> | undefined): ComposeRef | undefined {
  const project = labels?.[COMPOSE_PROJECT_LABEL]?.trim();
  const service = labels?.[COMPOSE_SERVICE_LABEL]?.trim();
  const workingDir = labels?.[COMPOSE_WORKING_DIR_LABEL]?.trim();
  if (!project || !service || !workingDir) return undefined;
  const configFiles = composeConfigFiles(labels);
  if (configFiles.length === 0) return undefined;
  const version = labels?.[COMPOSE_VERSION_LABEL]?.trim();
  return { project, service, workingDir, configFiles, ...(version ? { version } : {}) };
}

export type ComposeFlavor = { kind: 'v1' | 'v2'; command: string[] /* ['docker-compose'] or ['docker','compose'] */; version: string };

/** v2 plugin (`docker compose version`) first, else v1 (`docker-compose version --short`); undefined when neither is installed. */
export async function detectCompose(): Promise<ComposeFlavor | undefined> {
  // `docker compose` without the plugin: the docker CLI prints "unknown command" and exits 1.
  const plugin = await versionOf(['docker', 'compose', 'version', '--short']);
  if (plugin) return { kind: 'v2', command: ['docker', 'compose'], version: plugin };
  // The standalone `docker-compose` is v1 (Python, Debian's 1.29) or a v2 binary installed under that name:
  // the version tells them apart, and a v2 binary takes the v2 command line.
  const standalone = await versionOf(['docker-compose', 'version', '--short']);
  if (standalone) return { kind: /^v?1\./.test(standalone) ? 'v1' : 'v2', command: ['docker-compose'], version: standalone };
  return undefined;
}

/** The version a command prints (`1.29.2`, `v2.27.0` → `2.27.0`), or undefined when it is missing or fails. */
function versionOf(argv: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    } catch {
      resolve(undefined);
      return;
    }
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      const version = /v?(\d+\.\d+\.\d+[^\s,]*)/.exec(out)?.[1];
      resolve(code === 0 && version ? version : undefined);
    });
  });
}

/**
 * The exact `up -d` for that service: -p <project>, the -f files, --no-deps, the service; cwd = working dir.
 *
 * `--project-directory` is the working dir label (it is what compose recorded as the project directory), so
 * relative binds and `.env` resolve as they did when the project came up, whatever the first file's folder is.
 *
 * `renewAnonVolumes` adds `--renew-anon-volumes` (`-V`). Why it can be needed: Compose v1 (1.29), when it
 * recreates a container, carries every anonymous volume of the old container over to the new one, including
 * the one at an image `VOLUME` path, and that one then MASKS a named volume newly configured at the same path
 * (compose/service.py, `merge_volume_bindings` → `get_container_data_volumes` lists the image's
 * `ContainerConfig.Volumes` and rebinds the old container's volume there; `warn_on_masked_volume` only prints
 * "Service "s" is using volume "/data" from the previous container. Host mapping "p_data" has no effect").
 * Observed here: an image with `VOLUME /data` built by the classic builder, a service that gains
 * `- data:/data`: plain `up -d` keeps the old anonymous volume at /data, and records the new config hash, so a
 * later `up -d` says "up-to-date" and never fixes it; `up -d --renew-anon-volumes` mounts `p_data`.
 * (Images whose `ContainerConfig.Volumes` is empty, as BuildKit and `docker import` make them, are not masked.)
 * The RISK of `--renew-anon-volumes`: it renews EVERY anonymous volume of the service, so data in its other
 * anonymous volumes stays behind in the orphaned old ones. The caller decides: pass it only when the service
 * has no other anonymous volume holding data (or that data was moved too).
 */
export function composeUpCommand(
  ref: ComposeRef,
  flavor: ComposeFlavor,
  opts: { renewAnonVolumes?: boolean } = {},
): { argv: string[]; cwd: string; display: string } {
  const argv = [
    ...flavor.command,
    '-p',
    ref.project,
    ...ref.configFiles.flatMap((f) => ['-f', f]),
    '--project-directory',
    ref.workingDir,
    'up',
    '-d',
    '--no-deps',
    ...(opts.renewAnonVolumes ? ['--renew-anon-volumes'] : []),
    ref.service,
  ];
  return { argv, cwd: ref.workingDir, display: `cd ${shellQuote(ref.workingDir)} && ${argv.map(shellQuote).join(' ')}` };
}

/** A word as a POSIX shell reads it back: bare when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How many of compose's last stderr lines an error carries. */
const STDERR_TAIL = 15;

/** Runs a compose command without a shell; rejects with the last stderr lines. */
export async function runCompose(
  cmd: { argv: string[]; cwd: string },
  opts: { signal?: AbortSignal; onOutput?: (line: string) => void } = {},
): Promise<void> {
  opts.signal?.throwIfAborted();
  const [file, ...args] = cmd.argv;
  if (!file) throw new Error('runCompose: empty command');
  await new Promise<void>((resolve, reject) => {
    const tail: string[] = [];
    const child = spawn(file, args, { cwd: cmd.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
    const lines = (isStderr: boolean) => {
      let rest = '';
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split(/\r?\n/);
        rest = parts.pop() ?? '';
        for (const line of parts) emit(line, isStderr);
      };
    };
    // Compose v1 writes its progress ("Recreating p_s_1 ... done") to stderr, so stderr is output too.
    const emit = (line: string, isStderr: boolean) => {
      if (!line.trim()) return;
      opts.onOutput?.(line);
      if (isStderr) {
        tail.push(line);
        if (tail.length > STDERR_TAIL) tail.shift();
      }
    };
    child.stdout.on('data', lines(false));
    child.stderr.on('data', lines(true));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (isAbortError(err)) reject(err);
      else if (err.code === 'ENOENT')
        reject(new Error(`${file} is not installed (ENOENT): cannot run \`${cmd.argv.join(' ')}\``, { cause: err }));
      else reject(err);
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      if (opts.signal?.aborted) return reject(opts.signal.reason ?? new Error('cancelled'));
      const why = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`\`${cmd.argv.join(' ')}\` ${why}${tail.length ? `:\n${tail.join('\n')}` : ''}`));
    });
  });
}
