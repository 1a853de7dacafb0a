// The Docker CLI, asynchronously (the browser is driven on the same event loop), and the labels that let a
// run find and remove everything it made, also what a killed earlier run left behind.
import { execFile, spawn } from 'node:child_process';

export const TEST_LABEL = 'persistence-lens.test=1';
/** The pid of the runner that made a resource: a resource whose runner is gone is stale. */
export const RUNNER_LABEL = 'persistence-lens.e2e-runner-pid';

export class DockerError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(`docker ${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/** Runs `docker ...args`, resolves with trimmed stdout. */
export function docker(args: string[], opts: { input?: Buffer | string; timeoutMs?: number; combined?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      args,
      { encoding: 'buffer', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new DockerError(args, stderr.toString(), typeof err.code === 'number' ? err.code : null));
        else resolve((opts.combined ? stdout.toString() + stderr.toString() : stdout.toString()).trim());
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs `docker ...args` and resolves with stdout as bytes (tar streams, binary files). */
export function dockerBytes(args: string[], timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new DockerError(args, err, code));
    });
  });
}

export async function dockerOk(args: string[]): Promise<boolean> {
  try {
    await docker(args);
    return true;
  } catch {
    return false;
  }
}

/** The labels every container and volume of this run carries. */
export function runLabels(runId: string): string[] {
  return ['--label', TEST_LABEL, '--label', `persistence-lens.e2e-run=${runId}`, '--label', `${RUNNER_LABEL}=${process.pid}`];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes the containers and volumes of e2e runs whose runner process is gone. Returns how many. */
export async function removeStale(): Promise<number> {
  let removed = 0;
  const fmt = `{{.ID}} {{.Label "${RUNNER_LABEL}"}}`;
  const containers = await docker(['ps', '-a', '--filter', `label=${RUNNER_LABEL}`, '--format', fmt]).catch(() => '');
  for (const [id, pid] of containers
    .split('\n')
    .filter(Boolean)
    .map((r) => r.split(' '))) {
    if (!alive(Number(pid)) && (await dockerOk(['rm', '-f', '-v', id!]))) removed++;
  }
  const volumes = await docker(['volume', 'ls', '-q', '--filter', `label=${RUNNER_LABEL}`]).catch(() => '');
  for (const name of volumes.split('\n').filter(Boolean)) {
    const pid = await docker(['volume', 'inspect', '-f', `{{index .Labels "${RUNNER_LABEL}"}}`, name]).catch(() => '');
    if (!alive(Number(pid)) && (await dockerOk(['volume', 'rm', '-f', name]))) removed++;
  }
  return removed;
}
