/**
 * Shared helpers for the integration tests on a real Docker Engine.
 *
 * Everything a test creates carries the label `persistence-lens.test=1` and a per-instance run label
 * (`persistence-lens.test.run=<random>`), so cleanup removes exactly what this run made and never touches
 * other resources on the daemon (other test files, other sessions' runs, a developer's own containers).
 * Call `cleanup()` from an `after()` hook: node:test runs it even when a test failed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_LABEL = 'persistence-lens.test';
export const RUN_LABEL = 'persistence-lens.test.run';

/** The busybox images scripts/docker-up.sh builds; nothing can be pulled. */
export const IMAGE = 'persistence-test:latest';
/** Same, with `VOLUME /data`, `USER coder`, `HOME=/home/coder`. */
export const VOLUME_IMAGE = 'persistence-test-volume:latest';

export const randomSuffix = (bytes = 3): string => randomBytes(bytes).toString('hex');

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stdout: string,
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(`\`${command}\` failed (exit ${exitCode}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs a program without a shell; rejects with its stderr when it exits non-zero. */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        env: opts.env ?? process.env,
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as { code?: number | string }).code ?? null;
          reject(
            new CommandError(
              [file, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '),
              String(stdout),
              String(stderr),
              code,
            ),
          );
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `docker ARGS...`, stdout trimmed. */
export async function docker(...args: string[]): Promise<string> {
  return (await runCommand('docker', args)).stdout.trim();
}

/** `docker-compose -p PROJECT -f FILE ARGS...` (Compose v1 here; it labels like v2). */
export async function compose(project: string, file: string, ...args: string[]): Promise<string> {
  return (await runCommand('docker-compose', ['--ansi', 'never', '-p', project, '-f', file, ...args])).stdout.trim();
}

/** The content of a file in a container, or undefined when it is not there. */
export async function readInContainer(container: string, path: string): Promise<string | undefined> {
  try {
    return await docker('exec', container, 'cat', path);
  } catch (err) {
    if (err instanceof CommandError && /No such file|can't open/i.test(err.stderr)) return undefined;
    throw err;
  }
}

interface ComposeProject {
  project: string;
  file: string;
}

/**
 * The Docker resources and temporary directories one test file creates, and their removal. Every name it
 * hands out carries a random suffix.
 */
export class TestResources {
  readonly runId = randomSuffix(4);
  private readonly containers = new Set<string>();
  private readonly volumes = new Set<string>();
  private readonly projects: ComposeProject[] = [];
  private readonly dirs: string[] = [];

  /** `--label` arguments for `docker run/create/volume create`. */
  get labelArgs(): string[] {
    return ['--label', `${TEST_LABEL}=1`, '--label', `${RUN_LABEL}=${this.runId}`];
  }

  /** The labels as a map, for compose files. */
  get labels(): Record<string, string> {
    return { [TEST_LABEL]: '1', [RUN_LABEL]: this.runId };
  }

  /** A name unique to this run: `<prefix>-<run id>-<random>`; valid for containers, volumes and compose projects. */
  name(prefix: string): string {
    return `${prefix}-${this.runId}-${randomSuffix(2)}`.toLowerCase();
  }

  /** A fresh directory under the system temp dir, removed by cleanup. */
  tempDir(prefix = 'pl-it-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  /** Makes (and returns) a directory inside a temp dir; its name may contain spaces. */
  subDir(parent: string, name: string): string {
    const d = join(parent, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** `docker run -d` with the labels; returns the container id. `args` go between the options and the image. */
  async run(name: string, args: string[] = [], image = IMAGE, cmd: string[] = []): Promise<string> {
    this.containers.add(name);
    return docker('run', '-d', '--name', name, ...this.labelArgs, ...args, image, ...cmd);
  }

  /** `docker create` with the labels (a container that never starts). */
  async create(name: string, args: string[] = [], image = IMAGE, cmd: string[] = []): Promise<string> {
    this.containers.add(name);
    return docker('create', '--name', name, ...this.labelArgs, ...args, image, ...cmd);
  }

  async createVolume(name: string): Promise<string> {
    this.volumes.add(name);
    return docker('volume', 'create', ...this.labelArgs, name);
  }

  /** Remembers a container made by other means (compose), so cleanup removes it. */
  trackContainer(name: string): void {
    this.containers.add(name);
  }

  trackVolume(name: string): void {
    this.volumes.add(name);
  }

  /**
   * Remembers every volume a container mounts. Call it before an event that orphans an anonymous volume
   * (docker rm without -v, compose down): anonymous volumes carry no label, so only their names find them.
   */
  async trackVolumesOf(container: string, opts: { anonymousOnly?: boolean } = {}): Promise<string[]> {
    let names: string[] = [];
    try {
      const out = await docker('inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}\n{{end}}{{end}}', container);
      names = out
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    } catch {
      return [];
    }
    if (opts.anonymousOnly) names = names.filter((n) => /^[0-9a-f]{64}$/.test(n));
    for (const n of names) this.volumes.add(n);
    return names;
  }

  /** Writes a compose file into a fresh temp dir and remembers the project for `down -v` at cleanup. */
  composeProject(prefix: string, content: string): ComposeProject & { dir: string } {
    const dir = this.tempDir('pl-compose-');
    const file = join(dir, 'compose.yml');
    writeFileSync(file, content);
    const p = { project: this.name(prefix).replace(/[^a-z0-9_-]/g, ''), file };
    this.projects.push(p);
    return { ...p, dir };
  }

  /** Removes, in order: compose projects (down -v), containers (with their anonymous volumes), volumes, temp dirs. */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    for (const p of this.projects) {
      try {
        // Anonymous volumes of the project's containers are removed by `down -v`; remember them in case it fails.
        const ids = (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${p.project}`)).split('\n').filter(Boolean);
        for (const id of ids) await this.trackVolumesOf(id, { anonymousOnly: true });
        await compose(p.project, p.file, 'down', '-v', '-t', '0', '--remove-orphans');
      } catch (err) {
        errors.push(String(err));
      }
    }
    const labelled = (
      await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=1`, '--filter', `label=${RUN_LABEL}=${this.runId}`).catch(() => '')
    )
      .split('\n')
      .filter(Boolean);
    const containers = [...new Set([...labelled, ...this.containers])];
    // Only anonymous ones: a named volume is removed only when this run created it (tracked or labelled).
    await Promise.all(containers.map((c) => this.trackVolumesOf(c, { anonymousOnly: true })));
    if (containers.length > 0) {
      try {
        await docker('rm', '-f', '-v', ...containers);
      } catch (err) {
        // Some were never created or are gone already: that is fine; anything else is reported. One whose
        // removal is already in progress (a compose down that returned early) is waited for.
        const benign = (line: string): boolean => /No such container|removal of container .* is already in progress/i.test(line);
        const lines = err instanceof CommandError ? err.stderr.split('\n').filter((l) => l.trim()) : [String(err)];
        if (!lines.every(benign)) errors.push(String(err));
        else if (!(await gone(containers))) errors.push(`containers still there 15 s after their removal: ${containers.join(' ')}`);
      }
    }
    const labelledVolumes = (
      await docker('volume', 'ls', '-q', '--filter', `label=${TEST_LABEL}=1`, '--filter', `label=${RUN_LABEL}=${this.runId}`).catch(
        () => '',
      )
    )
      .split('\n')
      .filter(Boolean);
    const volumes = [...new Set([...labelledVolumes, ...this.volumes])];
    const existing = new Set((await docker('volume', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean));
    const toRemove = volumes.filter((v) => existing.has(v));
    if (toRemove.length > 0) {
      try {
        await docker('volume', 'rm', '-f', ...toRemove);
      } catch (err) {
        errors.push(String(err));
      }
    }
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`cleanup was incomplete:\n${errors.join('\n')}`);
  }
}

/** Waits until none of the containers exists any more (up to 15 s); false when some still do. */
async function gone(containers: string[]): Promise<boolean> {
  for (let i = 0; i < 75; i++) {
    const left = await Promise.all(
      containers.map((c) =>
        docker('inspect', '--format', '{{.Id}}', c).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!left.some(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Collects unhandled rejections while a test file runs; `stop()` returns them. */
export function watchUnhandledRejections(): { stop: () => unknown[] } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return {
    stop: () => {
      process.off('unhandledRejection', onRejection);
      return seen;
    },
  };
}

/** Indented YAML for a map of labels (compose files). */
export function yamlLabels(labels: Record<string, string>, indent: number): string {
  const pad = ' '.repeat(indent);
  return Object.entries(labels)
    .map(([k, v]) => `${pad}${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join('\n');
}
