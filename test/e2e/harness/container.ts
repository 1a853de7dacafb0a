// code-server inside a real container, the way a user runs it: the image from scripts/e2e/build-image.sh
// (no registry), the host's node binary and the code-server install bind-mounted read-only, a named volume at
// ~/.config, the workspace bind-mounted at /workspace, a tmpfs at /tmp, the Docker socket only when asked,
// and everything else (the rest of the home, code-server's user data and extensions) in the writable layer.
import { realpathSync, statSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { pack as tarPack } from 'tar-stream';
import { docker, dockerBytes, dockerOk, runLabels } from './docker';

export const CODER_UID = 1000;
export const HOME = '/home/coder';
export const WORKSPACE = '/workspace';

export interface ContainerSpec {
  /** Container name; also the prefix of the volume's name. */
  name: string;
  image: string;
  runId: string;
  /** The host folder bind-mounted at /workspace. */
  workspace: string;
  /** The named volume mounted at ~/.config (created when missing, labelled as this run's). */
  configVolume: string;
  /** Mount the Docker socket (and join its group). */
  socket: boolean;
  /**
   * Leave code-server's workspace trust on (the image's start script turns it off unless PL_WORKSPACE_TRUST=on):
   * the window then asks whether to trust /workspace, as a user's code-server does.
   */
  workspaceTrust?: boolean;
  codeServerDir: string;
  /**
   * Files put into the writable layer before code-server starts, on every creation (what a real image would
   * contain: the .vsix the start script installs, the user settings), relative to HOME.
   */
  seed: Record<string, string | Buffer>;
}

/** The host's Docker socket (from DOCKER_HOST when it is a unix socket). */
export function hostSocket(): string {
  const h = process.env.DOCKER_HOST;
  return h?.startsWith('unix://') ? h.slice('unix://'.length) : '/var/run/docker.sock';
}

/** A tar of files (relative paths) owned by the container's user, with their parent folders. */
export async function tarOf(files: Record<string, string | Buffer>, uid = CODER_UID): Promise<Buffer> {
  const p = tarPack();
  const dirs = new Set<string>();
  for (const rel of Object.keys(files)) {
    const parts = rel.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const mtime = new Date();
  for (const d of [...dirs].sort()) p.entry({ name: d + '/', type: 'directory', mode: 0o755, uid, gid: uid, mtime });
  for (const [rel, content] of Object.entries(files)) p.entry({ name: rel, mode: 0o644, uid, gid: uid, mtime }, content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The HTTP status of a GET, or the error's message. (node:http rather than fetch: undici's idle sockets do
 * not keep the event loop alive, and a run can end with its last promise unsettled.) */
function httpStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.message));
  });
}

export class EditorContainer {
  id = '';
  /** 127.0.0.1:PORT, published from the container's 8080. */
  address = '';

  private constructor(readonly spec: ContainerSpec) {}

  static async start(spec: ContainerSpec): Promise<EditorContainer> {
    const c = new EditorContainer(spec);
    await c.createAndStart();
    return c;
  }

  /** The `docker create` arguments: the same every time, so recreate() is a real recreate. */
  runArgs(): string[] {
    const s = this.spec;
    const args = [
      '--name',
      s.name,
      ...runLabels(s.runId),
      '-p',
      '127.0.0.1::8080',
      '-v',
      `${realpathSync(process.execPath)}:/opt/node/bin/node:ro`,
      '-v',
      `${s.codeServerDir}:/opt/code-server:ro`,
      '-v',
      `${s.configVolume}:${HOME}/.config`,
      '-v',
      `${s.workspace}:${WORKSPACE}`,
      '--tmpfs',
      '/tmp',
      ...(s.workspaceTrust ? ['-e', 'PL_WORKSPACE_TRUST=on'] : []),
    ];
    if (s.socket) {
      // the socket is root:docker 0660 on the host: the container's user joins that group (`--group-add docker`)
      args.push('-v', `${hostSocket()}:/var/run/docker.sock`, '--group-add', String(statSync(hostSocket()).gid));
    }
    return args;
  }

  private async createAndStart(): Promise<void> {
    const s = this.spec;
    if (!(await dockerOk(['volume', 'inspect', s.configVolume]))) {
      await docker(['volume', 'create', ...runLabels(s.runId), s.configVolume]);
    }
    this.id = await docker(['create', ...this.runArgs(), s.image]);
    if (Object.keys(s.seed).length) await this.putFiles(HOME, s.seed);
    await docker(['start', this.id]);
    await this.attach();
  }

  /**
   * A container made by someone else (docker-compose) from the same image: its published 8080 is read and
   * code-server awaited. The spec's seed is not written (the image's start script copies PL_SEED instead).
   */
  static async adopt(spec: ContainerSpec, id: string, timeoutMs = 60_000): Promise<EditorContainer> {
    const c = new EditorContainer(spec);
    c.id = id;
    await c.attach(timeoutMs);
    return c;
  }

  private async attach(timeoutMs?: number): Promise<void> {
    this.address = (await docker(['port', this.id, '8080'])).split('\n')[0]!.replace('0.0.0.0', '127.0.0.1');
    await this.waitHealthy(timeoutMs);
  }

  private async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      const status = await httpStatus(`http://${this.address}/healthz`);
      if (status === 200) return;
      last = String(status);
      const state = await docker(['inspect', '-f', '{{.State.Status}}', this.id]).catch(() => 'gone');
      if (state !== 'running') throw new Error(`the container stopped (${state}) before code-server answered:\n${await this.logs()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`code-server did not answer on ${this.address} within ${timeoutMs / 1000} s (${last}):\n${await this.logs()}`);
  }

  /** Removes the container (never the named volume) and makes it again from the same configuration. */
  async recreate(): Promise<void> {
    await docker(['rm', '-f', this.id]);
    await this.createAndStart();
  }

  async exec(cmd: string[], user = String(CODER_UID)): Promise<string> {
    return docker(['exec', '-u', user, this.id, ...cmd]);
  }

  async readFile(path: string): Promise<Buffer> {
    return dockerBytes(['exec', this.id, 'cat', path]);
  }

  async exists(path: string): Promise<boolean> {
    return dockerOk(['exec', this.id, 'test', '-e', path]);
  }

  /** Writes files (paths relative to dir) owned by the container's user, through the engine (works stopped too). */
  async putFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
    await docker(['cp', '-', `${this.id}:${dir}`], { input: await tarOf(files) });
  }

  async logs(): Promise<string> {
    return docker(['logs', '--tail', '200', this.id], { combined: true }).catch((e) => `(no logs: ${(e as Error).message})`);
  }

  async remove(): Promise<void> {
    if (this.id) await docker(['rm', '-f', '-v', this.id]).catch(() => {});
  }
}
