import type Dockerode from 'dockerode';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type { DockerConnection } from '../sources/docker/client';
import { BackupFailedError, BackupInputError } from './errors';
import type { ArchiveEntry } from './tar-format';
import { readTar } from './tar-read';

/**
 * A directory's content read by `tar -c` run INSIDE a running container, as content-layout entries (`./`,
 * `./a`). This is the only way to a tmpfs: the engine's archive endpoint reads the container's root file
 * system and volumes from the host side, where a tmpfs (it lives in the container's mount namespace only) is
 * not mounted — on Engine 20.10 `GET /archive` of a tmpfs path returns the empty directory below it.
 * Runs as root so that every file can be read; needs a `tar` in the image (busybox, GNU and bsdtar all do).
 */
export async function* execTarEntries(
  _conn: DockerConnection,
  container: Dockerode.Container,
  dir: string,
  opts: { signal?: AbortSignal; doing: string },
): AsyncGenerator<ArchiveEntry> {
  let exec: Dockerode.Exec;
  let stream: Duplex;
  try {
    exec = await container.exec({ Cmd: ['tar', '-c', '-f', '-', '-C', dir, '.'], AttachStdout: true, AttachStderr: true, User: '0' });
    stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
  } catch (err) {
    throw new BackupFailedError(`${opts.doing}: could not run tar in the container (${(err as Error).message})`, { cause: err });
  }
  const stdout = new PassThrough();
  const stderr: Buffer[] = [];
  void demux(stream, stdout, stderr);
  for await (const entry of readTar(stdout, opts.signal ? { signal: opts.signal } : {})) {
    const name = entry.header.name.replace(/^\.?\/?/, './');
    const header = { ...entry.header, name: name === './' || name === './.' ? './' : name };
    if (header.type === 'link' && header.linkname !== undefined) header.linkname = header.linkname.replace(/^\.?\/?/, './');
    yield entry.body ? { header, body: entry.body } : { header };
  }
  const result = await exec.inspect();
  if (result.ExitCode !== 0) {
    const why = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join('; ');
    const noTar = result.ExitCode === 126 || result.ExitCode === 127;
    const message = `${opts.doing}: tar in the container exited with ${result.ExitCode}${why ? ` (${why})` : ''}${noTar ? ': the image has no tar, which reading a tmpfs needs' : ''}`;
    throw noTar ? new BackupInputError(message) : new BackupFailedError(message);
  }
}

/**
 * The same in root layout (`scratch/a` for `/scratch/a`, as rescue archives name entries), dropping what `keep`
 * refuses (what lies under another mount nested below).
 */
export async function* execTarRootEntries(
  conn: DockerConnection,
  container: Dockerode.Container,
  dir: string,
  opts: { signal?: AbortSignal; doing: string; keep?: (abs: string) => boolean },
): AsyncGenerator<ArchiveEntry> {
  const rel = dir.replace(/^\/+/, '');
  const rename = (name: string): string | undefined => {
    const sub = name === './' ? '' : name.replace(/^\.\//, '').replace(/\/+$/, '');
    if (opts.keep && !opts.keep(sub ? `${dir}/${sub}` : dir)) return undefined;
    return sub ? `${rel}/${sub}` : rel;
  };
  for await (const e of execTarEntries(conn, container, dir, opts)) {
    const name = rename(e.header.name);
    if (name === undefined) continue;
    const header = { ...e.header, name };
    if (header.type === 'link' && header.linkname !== undefined) header.linkname = rename(header.linkname) ?? header.linkname;
    yield e.body ? { header, body: e.body } : { header };
  }
}

/**
 * Extracts a tar stream with `tar -x` run INSIDE a running container, as root, at `/`: the only way into a tmpfs
 * (the archive endpoint writes the container's file system from the host side, under the tmpfs). Resolves when
 * tar has exited 0; rejects with its last stderr lines otherwise.
 */
export async function execTarExtract(
  container: Dockerode.Container,
  body: Readable,
  opts: { signal?: AbortSignal; doing: string },
): Promise<void> {
  let exec: Dockerode.Exec;
  let stream: Duplex;
  try {
    exec = await container.exec({
      Cmd: ['tar', '-x', '-p', '-f', '-', '-C', '/'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      User: '0',
    });
    stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  } catch (err) {
    throw new BackupFailedError(`${opts.doing}: could not run tar in the container (${(err as Error).message})`, { cause: err });
  }
  const stdout = new PassThrough();
  stdout.resume();
  const stderr: Buffer[] = [];
  const output = demux(stream, stdout, stderr);
  const abort = (): void => void stream.destroy(new Error('cancelled'));
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of body) {
      if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
    }
    stream.end(); // the end of tar's stdin
    await output;
    for (let i = 0; i < 200; i++) {
      const state = await exec.inspect();
      if (!state.Running) {
        if (state.ExitCode === 0) return;
        const why = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join('; ');
        throw new BackupFailedError(`${opts.doing}: tar in the container exited with ${state.ExitCode}${why ? ` (${why})` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new BackupFailedError(`${opts.doing}: tar in the container did not finish`);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

/**
 * The engine's multiplexed exec stream (8-byte frame headers: stream type, length) split into stdout and
 * stderr, with backpressure: reading pauses while stdout is full.
 */
async function demux(input: Duplex, stdout: PassThrough, stderr: Buffer[]): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const type = pending[0];
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const payload = pending.subarray(8, 8 + size);
        pending = pending.subarray(8 + size);
        if (type === 2) stderr.push(Buffer.from(payload));
        else if (!stdout.write(payload)) await new Promise((r) => stdout.once('drain', r));
      }
    }
    stdout.end();
  } catch (err) {
    stdout.destroy(err as Error);
  }
}
