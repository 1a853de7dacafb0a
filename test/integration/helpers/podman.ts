/**
 * Helpers for the integration tests on a real Podman service (scripts/podman-up.sh starts it, rootful, on
 * PODMAN_HOST). Every call goes through that service's socket (`podman --url`), as the project's own client does.
 *
 * Like helpers/docker.ts: everything a test creates carries `persistence-lens.test=1` and a run label, and
 * `cleanup()` removes exactly that (and the anonymous volumes of those containers), never anything else.
 */
import { runCommand, RUN_LABEL, TEST_LABEL, randomSuffix, CommandError } from './docker';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The socket scripts/podman-up.sh serves (override: PERSISTENCE_LENS_PODMAN_HOST). */
export const PODMAN_HOST = process.env.PERSISTENCE_LENS_PODMAN_HOST?.trim() || 'unix:///run/persistence-lens-podman/podman.sock';
/** The busybox images scripts/podman-up.sh imports into Podman's store. */
export const PODMAN_IMAGE = 'localhost/persistence-test:latest';
/** Same, with `VOLUME /data`, `USER coder`, `HOME=/home/coder`. */
export const PODMAN_VOLUME_IMAGE = 'localhost/persistence-test-volume:latest';

/** The rootless service scripts/podman-up.sh starts (user persistence-lens-rootless); its address is in this file. */
export const ROOTLESS_URL_FILE = '/run/persistence-lens-podman/rootless-url';

export function rootlessHost(): string {
  const fromEnv = process.env.PERSISTENCE_LENS_PODMAN_ROOTLESS_HOST?.trim();
  if (fromEnv) return fromEnv;
  try {
    return readFileSync(ROOTLESS_URL_FILE, 'utf8').trim();
  } catch {
    throw new Error(`no rootless Podman service is known (${ROOTLESS_URL_FILE} is missing); run scripts/podman-up.sh (as root)`);
  }
}

/** `podman --url HOST ARGS...`, stdout trimmed. */
export async function podmanAt(host: string, ...args: string[]): Promise<string> {
  return (await runCommand('podman', ['--url', host, ...args], { timeoutMs: 60_000 })).stdout.trim();
}

/** `podman --url PODMAN_HOST ARGS...`, stdout trimmed. */
export async function podman(...args: string[]): Promise<string> {
  return podmanAt(PODMAN_HOST, ...args);
}

/** Fails with a sentence when the service does not answer (never a silent skip). */
export async function assertPodmanAnswers(host = PODMAN_HOST): Promise<void> {
  try {
    await podmanAt(host, 'version', '--format', '{{.Server.Version}}');
  } catch (err) {
    throw new Error(
      `no Podman service answers on ${host}; run scripts/podman-up.sh (as root). ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export class PodmanResources {
  readonly runId = randomSuffix(4);

  /** `host`: the service this run's resources live on (default: the rootful one). */
  constructor(readonly host: string = PODMAN_HOST) {}

  private podman(...args: string[]): Promise<string> {
    return podmanAt(this.host, ...args);
  }

  private readonly containers = new Set<string>();
  private readonly volumes = new Set<string>();
  private readonly dirs: string[] = [];

  get labelArgs(): string[] {
    return ['--label', `${TEST_LABEL}=1`, '--label', `${RUN_LABEL}=${this.runId}`];
  }

  get labels(): Record<string, string> {
    return { [TEST_LABEL]: '1', [RUN_LABEL]: this.runId };
  }

  /** `PERSISTENCE_LENS_HELPER_LABELS` for the CLI: its helpers and the volumes it creates carry the run's labels. */
  get helperLabelsEnv(): string {
    return Object.entries(this.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  name(prefix: string): string {
    return `${prefix}-${this.runId}-${randomSuffix(2)}`.toLowerCase();
  }

  tempDir(prefix = 'pl-podman-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  /** `podman run -d` (network none: nothing is reached) with the labels; returns the id. */
  async run(name: string, args: string[] = [], image = PODMAN_IMAGE, cmd: string[] = []): Promise<string> {
    this.containers.add(name);
    return this.podman('run', '-d', '--network', 'none', '--name', name, ...this.labelArgs, ...args, image, ...cmd);
  }

  /** `podman create` with the labels: a container that never starts. */
  async create(name: string, args: string[] = [], image = PODMAN_IMAGE, cmd: string[] = []): Promise<string> {
    this.containers.add(name);
    return this.podman('create', '--network', 'none', '--name', name, ...this.labelArgs, ...args, image, ...cmd);
  }

  async createVolume(name: string): Promise<string> {
    this.volumes.add(name);
    return this.podman('volume', 'create', ...this.labelArgs, name);
  }

  trackVolume(name: string): void {
    this.volumes.add(name);
  }

  /** Removes this run's containers (with their anonymous volumes), then its volumes and temp dirs. */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    const filters = ['--filter', `label=${TEST_LABEL}=1`, '--filter', `label=${RUN_LABEL}=${this.runId}`];
    const labelled = (await this.podman('ps', '-aq', ...filters).catch(() => '')).split('\n').filter(Boolean);
    const containers = [...new Set([...labelled, ...this.containers])];
    for (const c of containers) {
      try {
        await this.podman('rm', '-f', '-v', '-t', '0', c);
      } catch (err) {
        if (!(err instanceof CommandError && /no such container/i.test(err.stderr))) errors.push(String(err));
      }
    }
    const labelledVolumes = (await this.podman('volume', 'ls', '-q', ...filters).catch(() => '')).split('\n').filter(Boolean);
    const existing = new Set((await this.podman('volume', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean));
    for (const v of new Set([...labelledVolumes, ...this.volumes])) {
      if (!existing.has(v)) continue;
      try {
        await this.podman('volume', 'rm', '-f', v);
      } catch (err) {
        errors.push(String(err));
      }
    }
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`cleanup was incomplete:\n${errors.join('\n')}`);
  }
}
