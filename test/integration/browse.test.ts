/**
 * Browsing on a real Docker Engine, read-only: a volume through ONE never-started helper container (removed when
 * the session closes), a folder of a running and of a stopped container, and a backup archive; symlinks shown as
 * links and followed only inside the root; a folder of 3,000 files listed in one request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { backup } from '../../src/backup';
import { tarBytes, type ArchiveEntry, type EntryHeader } from '../../src/backup/tar-format';
import { BrowseError, openBrowseSession, type BrowseSession } from '../../src/browse';
import { IMAGE, TestRun } from './helpers/backup/engine';

let run: TestRun;
let out: string;
const BIG = 3000;
const NON_UTF8 = 'caf\udce9.txt'; // the bytes `caf\xe9.txt`, as names.ts decodes them

const header = (name: string, type: EntryHeader['type'], extra: Partial<EntryHeader> = {}): EntryHeader => ({
  name,
  type,
  mode: type === 'directory' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 1_700_000_000,
  ...extra,
});
const file = (name: string, text: string): ArchiveEntry => {
  const data = Buffer.from(text);
  return {
    header: header(name, 'file', { size: data.length }),
    body: (async function* () {
      yield data;
    })(),
  };
};

/** The tree every source holds, under `prefix` (`` for a volume's root, `srv/data/` in a container). */
async function* tree(prefix: string): AsyncGenerator<ArchiveEntry> {
  if (prefix) {
    const parts = prefix.replace(/\/$/, '').split('/');
    for (let i = 1; i <= parts.length; i++) yield { header: header(`${parts.slice(0, i).join('/')}/`, 'directory') };
  }
  yield { header: header(`${prefix}a/`, 'directory') };
  yield file(`${prefix}a/hello.txt`, 'hello from the volume\n');
  yield file(`${prefix}${NON_UTF8}`, 'latin-1 name\n');
  yield { header: header(`${prefix}in`, 'symlink', { linkname: 'a/hello.txt' }) };
  yield { header: header(`${prefix}dir-link`, 'symlink', { linkname: 'a' }) };
  yield { header: header(`${prefix}out`, 'symlink', { linkname: '/etc/passwd' }) };
  // (the engine refuses to extract a link that climbs out of where it extracts: the volume's is made with ln)
  if (prefix) yield { header: header(`${prefix}up`, 'symlink', { linkname: '../../etc/passwd' }) };
  yield { header: header(`${prefix}etc`, 'symlink', { linkname: '/etc' }) };
  yield { header: header(`${prefix}big/`, 'directory') };
  for (let i = 0; i < BIG; i++) yield file(`${prefix}big/f${String(i).padStart(5, '0')}`, `${i}\n`);
}

async function refused(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BrowseError, `not a BrowseError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

/** What every source shows the same way. */
async function commonChecks(s: BrowseSession): Promise<void> {
  const root = await s.list('');
  const names = root.map((e) => e.name).sort();
  for (const n of ['a', 'big', 'dir-link', 'etc', 'in', 'out', 'up', NON_UTF8])
    assert.ok(names.includes(n), `${n} is not listed: ${names.join(', ')}`);
  const byName = new Map(root.map((e) => [e.name, e]));
  assert.equal(byName.get('a')?.kind, 'directory');
  // a link inside the root: shown as a link, with what it leads to
  assert.equal(byName.get('in')?.kind, 'symlink');
  assert.equal(byName.get('in')?.target?.kind, 'file');
  assert.equal(byName.get('in')?.target?.rel, 'a/hello.txt');
  assert.equal(byName.get('dir-link')?.target?.kind, 'directory');
  // links out of the root: links, never followed
  for (const n of ['out', 'up', 'etc']) {
    assert.equal(byName.get(n)?.kind, 'symlink');
    assert.equal(byName.get(n)?.target, undefined, `${n} was resolved to ${JSON.stringify(byName.get(n)?.target)}`);
  }
  assert.equal((await s.read('a/hello.txt')).toString(), 'hello from the volume\n');
  assert.equal((await s.read('in')).toString(), 'hello from the volume\n');
  assert.equal((await s.read('dir-link/hello.txt')).toString(), 'hello from the volume\n');
  assert.equal((await s.read(NON_UTF8)).toString(), 'latin-1 name\n');
  assert.deepEqual(
    (await s.list('dir-link')).map((e) => e.name),
    ['hello.txt'],
  );
  await refused(s.read('out'), 'refused', /symbolic link to \/etc\/passwd, outside/);
  await refused(s.read('up'), 'refused', /outside/);
  await refused(s.read('etc/passwd'), 'refused', /outside/);
  await refused(s.list('etc'), 'refused', /outside/);
  await refused(s.read('a'), 'is-directory', /folder/);
  await refused(s.read('nope'), 'not-found', /does not exist/);
  const big = await s.list('big');
  assert.equal(big.length, BIG);
  assert.equal((await s.read('big/f02999')).toString(), '2999\n');
  const st = await s.stat('a/hello.txt');
  assert.equal(st.kind, 'file');
  assert.equal(st.size, 22);
  assert.ok(st.mtimeMs > 0);
}

before(async () => {
  run = await TestRun.start();
  out = mkdtempSync(join(tmpdir(), 'pl-browse-'));
});

after(async () => {
  await run?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

describe('browsing on a real engine', { timeout: 300_000 }, () => {
  let volume: string;

  it('a volume: one helper, never started, reused by every request and removed when the session ends', async () => {
    volume = await run.createVolume();
    await run.fillVolume(volume, tree(''));
    await run.run(['ln', '-s', '../../../etc/passwd', '/v/up'], [`${volume}:/v`]);
    const s = await openBrowseSession({ kind: 'volume', volume }, { docker: run.conn, helperLabels: run.labels });
    assert.deepEqual(await run.helpersLeft(), [], 'a helper was made before the first request');
    try {
      await commonChecks(s);
      const helpers = await run.docker.listContainers({
        all: true,
        filters: { label: [`persistence-lens.test.backup-run=${run.id}`, 'persistence-lens.helper=1'] },
      });
      assert.equal(helpers.length, 1, `one helper for the whole session: ${helpers.map((h) => h.Names[0]).join(', ')}`);
      assert.equal(helpers[0]!.State, 'created', 'the helper was started');
      assert.ok(
        helpers[0]!.Mounts.some((m) => m.Name === volume && m.RW === false),
        'the volume is not mounted read-only',
      );
    } finally {
      await s.close();
    }
    assert.deepEqual(await run.helpersLeft(), []);
    await refused(s.list(''), 'unavailable', /has ended/);
  });

  it('a volume whose helper is removed behind its back gets a new one', async () => {
    const s = await openBrowseSession({ kind: 'volume', volume }, { docker: run.conn, helperLabels: run.labels });
    try {
      assert.equal((await s.read('a/hello.txt')).toString(), 'hello from the volume\n');
      for (const h of await run.helpersLeft()) await run.docker.getContainer(h.replace(/^\//, '')).remove({ force: true });
      assert.equal((await s.read(NON_UTF8)).toString(), 'latin-1 name\n');
    } finally {
      await s.close();
    }
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('a missing volume is named', async () => {
    const s = await openBrowseSession({ kind: 'volume', volume: run.name('missing') }, { docker: run.conn, helperLabels: run.labels });
    await refused(s.list(''), 'not-found', /no volume/);
    await s.close();
    assert.deepEqual(await run.helpersLeft(), []);
  });

  let container: Dockerode.Container;
  it('a folder of a running container, through the container itself; an absolute link inside the root is followed', async () => {
    container = await run.docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '3600'], Labels: run.labels });
    await container.start();
    const entries = (async function* () {
      yield* tree('srv/data/');
      yield { header: header('srv/data/abs', 'symlink', { linkname: '/srv/data/a/hello.txt' }) };
    })();
    await container.putArchive(Readable.from(tarBytes(entries, { entries: 0, bytes: 0 }), { objectMode: false }), { path: '/' });
    const s = await openBrowseSession(
      { kind: 'container', container: container.id, root: '/srv/data' },
      { docker: run.conn, helperLabels: run.labels },
    );
    try {
      await commonChecks(s);
      assert.equal((await s.read('abs')).toString(), 'hello from the volume\n');
      assert.equal((await s.stat('abs')).target?.rel, 'a/hello.txt');
    } finally {
      await s.close();
    }
    assert.deepEqual(await run.helpersLeft(), [], 'a container path needs no helper');
  });

  it('a folder of a stopped container', async () => {
    await container.stop({ t: 0 });
    const s = await openBrowseSession({ kind: 'container', container: container.id, root: '/srv/data/' }, { docker: run.conn });
    try {
      assert.equal((await container.inspect()).State.Running, false);
      await commonChecks(s);
    } finally {
      await s.close();
    }
  });

  it('a backup archive, from the file: validated, listed, read; links out of it refused', async () => {
    const r = await backup({ kind: 'volume', volume }, { outDir: out, docker: run.conn, helperLabels: run.labels });
    const s = await openBrowseSession({ kind: 'archive', file: r.archive });
    try {
      await commonChecks(s);
    } finally {
      await s.close();
    }
    await assert.rejects(
      openBrowseSession({ kind: 'archive', file: join(out, 'none.tar.gz') }),
      (e: unknown) => e instanceof BrowseError && e.code === 'not-found',
    );
  });
});
