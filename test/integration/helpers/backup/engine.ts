/**
 * Helpers for the backup integration tests on a real Docker Engine. Everything created carries
 * `persistence-lens.test=1` and a per-run label, and `cleanupRun()` removes exactly that (call it from
 * `after()`: node:test runs it also when a test failed).
 */
import type Dockerode from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { connectDocker, type DockerConnection } from '../../../../src/sources/docker/client';
import { readTar } from '../../../../src/backup/tar-read';
import { tarBytes, type ArchiveEntry, type EntryHeader } from '../../../../src/backup/tar-format';

export const TEST_LABEL = 'persistence-lens.test';
export const BACKUP_RUN_LABEL = 'persistence-lens.test.backup-run';
export const IMAGE = 'persistence-test:latest';

export const suffix = (n = 4): string => randomBytes(n).toString('hex');

export class TestRun {
  readonly id = suffix(5);
  readonly labels: Record<string, string> = { [TEST_LABEL]: '1', [BACKUP_RUN_LABEL]: this.id };
  constructor(readonly conn: DockerConnection) {}

  static async start(): Promise<TestRun> {
    return new TestRun(await connectDocker());
  }

  get docker(): Dockerode {
    return this.conn.docker;
  }

  name(prefix: string): string {
    return `pl-test-${prefix}-${this.id}-${suffix(2)}`;
  }

  /** `PERSISTENCE_LENS_HELPER_LABELS` value for CLI children. */
  get labelsEnv(): string {
    return Object.entries(this.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  async createVolume(name = this.name('vol')): Promise<string> {
    await this.docker.createVolume({ Name: name, Labels: this.labels });
    return name;
  }

  /** A never-started container with `volume` at `/v` (read-write). */
  async helperFor(volume: string): Promise<Dockerode.Container> {
    return this.docker.createContainer({
      Image: IMAGE,
      Cmd: ['true'],
      Labels: this.labels,
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v', ReadOnly: false, VolumeOptions: { NoCopy: true } }] as never },
    });
  }

  /** Streams entries into a volume (created when missing) through a never-started container. */
  async fillVolume(volume: string, entries: AsyncIterable<ArchiveEntry>): Promise<void> {
    const c = await this.helperFor(volume);
    try {
      const body = Readable.from(tarBytes(entries, { entries: 0, bytes: 0 }), { objectMode: false });
      await c.putArchive(body, { path: '/v' });
    } finally {
      await c.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** Everything in a volume, read through the engine: path → type, mode, owner, mtime, size, link, sha256. */
  async volumeDigest(volume: string): Promise<Map<string, EntryDigest>> {
    const c = await this.helperFor(volume);
    try {
      return await archiveDigest(c, '/v/.');
    } finally {
      await c.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** Runs a command in a fresh container from the test image (with mounts), returns stdout. */
  async run(cmd: string[], binds: string[] = []): Promise<string> {
    const c = await this.docker.createContainer({ Image: IMAGE, Cmd: cmd, Labels: this.labels, HostConfig: { Binds: binds } });
    try {
      await c.start();
      await c.wait();
      const logs = (await c.logs({ stdout: true, stderr: false })) as unknown as Buffer;
      return demux(logs);
    } finally {
      await c.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  async leftovers(): Promise<{ containers: string[]; volumes: string[] }> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${BACKUP_RUN_LABEL}=${this.id}`] } });
    const vols = await this.docker.listVolumes({ filters: { label: [`${BACKUP_RUN_LABEL}=${this.id}`] } });
    return { containers: containers.map((c) => c.Names[0] ?? c.Id), volumes: (vols.Volumes ?? []).map((v) => v.Name) };
  }

  /** Helper containers of the product left with this run's labels. */
  async helpersLeft(): Promise<string[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${BACKUP_RUN_LABEL}=${this.id}`, 'persistence-lens.helper=1'] },
    });
    return list.map((c) => c.Names[0] ?? c.Id);
  }

  async cleanup(): Promise<void> {
    const containers = await this.docker
      .listContainers({ all: true, filters: { label: [`${BACKUP_RUN_LABEL}=${this.id}`] } })
      .catch(() => []);
    for (const c of containers)
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    const vols = await this.docker.listVolumes({ filters: { label: [`${BACKUP_RUN_LABEL}=${this.id}`] } }).catch(() => ({ Volumes: [] }));
    for (const v of vols.Volumes ?? [])
      await this.docker
        .getVolume(v.Name)
        .remove({ force: true })
        .catch(() => undefined);
  }
}

/** Docker's multiplexed log stream to text (stdout frames). */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(out).toString('utf8');
}

export interface EntryDigest {
  type: EntryHeader['type'];
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkname?: string;
  sha256?: string;
}

/** Reads `GET archive?path=P` and digests every entry (names relative to the root, root as `.`). */
export async function archiveDigest(container: Dockerode.Container, path: string): Promise<Map<string, EntryDigest>> {
  const res = (await container.getArchive({ path })) as unknown as Readable;
  const out = new Map<string, EntryDigest>();
  for await (const e of readTar(res)) {
    const name = e.header.name.replace(/^\.\/?/, '').replace(/\/$/, '') || '.';
    const d: EntryDigest = {
      type: e.header.type,
      mode: e.header.mode,
      uid: e.header.uid,
      gid: e.header.gid,
      mtime: e.header.mtime,
      size: e.header.size,
    };
    if (e.header.linkname) d.linkname = e.header.linkname.replace(/^\.\//, '');
    if (e.body) {
      const h = createHash('sha256');
      for await (const chunk of e.body) h.update(chunk);
      d.sha256 = h.digest('hex');
    }
    out.set(name, d);
  }
  return out;
}
