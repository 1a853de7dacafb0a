import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import { InputError, type PathReport, type TargetReport } from '../../../src/core/types';
import { isInsideContainer, LiveMountTable, readMountInfoFile, readSelfTarget } from '../../../src/sources/self';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const MIXED = join(FIXTURES, 'mountinfo-docker-mixed.txt');
const HOST = join(FIXTURES, 'mountinfo-host-ext4.txt');
const MIXED_ID = '8a04ac1f749bc80269d32f8730c6e9df65e184abf094984204f1a7e7404652d2';

/** mountinfo's escaping of a path: space, tab, newline and backslash as octal. */
const esc = (p: string): string => p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

function reported(report: TargetReport, p: string): PathReport {
  const found = report.paths.find((x) => x.path === p);
  assert.ok(found, `${p} is reported; got ${report.paths.map((x) => x.path).join(', ')}`);
  return found;
}

describe('readMountInfoFile', () => {
  it('reads a file', () => {
    assert.match(readMountInfoFile(MIXED), /^72 48 0:39 \/ \/ /);
  });

  it('names the file it cannot read', () => {
    const missing = join(tmpdir(), 'pl-no-such-dir', 'mountinfo');
    assert.throws(
      () => readMountInfoFile(missing),
      (err: unknown) => err instanceof InputError && err.message.includes(missing) && /no such file/.test(err.message),
    );
    assert.throws(() => readMountInfoFile(FIXTURES), /is a directory/);
  });
});

describe('isInsideContainer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pl-inside-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is true for an overlay root', () => {
    assert.equal(isInsideContainer(MIXED, []), true);
  });

  it('is false for a disk root with no marker file', () => {
    assert.equal(isInsideContainer(HOST, []), false);
  });

  it('is true when a marker file exists (/.dockerenv, /run/.containerenv)', () => {
    const marker = join(dir, '.dockerenv');
    writeFileSync(marker, '');
    assert.equal(isInsideContainer(HOST, [join(dir, 'absent'), marker]), true);
  });

  it('does not throw when the mount table cannot be read', () => {
    assert.equal(isInsideContainer(join(dir, 'missing'), []), false);
  });
});

describe('readSelfTarget', () => {
  let home: string;
  before(() => {
    home = realpathSync(mkdtempSync(join(tmpdir(), 'pl-home-')));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.claude.json'), '{}');
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('builds a self target from the mount table and the environment', async () => {
    const t = await readSelfTarget({ mountinfoFile: MIXED, env: { HOME: '/home/coder', LANG: 'C.UTF-8', UNSET: undefined } });
    assert.equal(t.kind, 'self');
    assert.equal(t.id, MIXED_ID);
    assert.ok(t.name.length > 0);
    assert.equal(t.home, '/home/coder', 'HOME of the given environment');
    assert.deepEqual(t.env, { HOME: '/home/coder', LANG: 'C.UTF-8' });
    assert.equal(t.workingDir, undefined);
    assert.deepEqual(t.imageVolumes, []);
    assert.equal(t.rootStatus, 'writable-layer');
    assert.equal(t.rootReadOnly, false);
    assert.ok(t.mounts.some((m) => m.target === '/home/coder/.local' && m.status === 'named-volume' && m.source === 'capnamed'));
    assert.ok(t.user && t.user.length > 0);
  });

  it('records which catalog paths exist under the home', async () => {
    const t = await readSelfTarget({ mountinfoFile: MIXED, env: {}, home });
    assert.equal(t.home, home);
    const existing = t.existingPaths!;
    assert.ok(existing.has(join(home, '.ssh')));
    assert.ok(existing.has(join(home, '.claude.json')));
    assert.ok(!existing.has(join(home, '.aws')));
    const r = analyzeTarget(t);
    const ssh = reported(r, join(home, '.ssh'));
    assert.equal(ssh.status, 'writable-layer');
    assert.equal(ssh.criticality, 'critical');
    assert.equal(ssh.atRisk, true);
    assert.ok(!r.paths.some((p) => p.path === join(home, '.aws')), 'absent credentials are not listed');
  });

  it('lets the analyzer mark every mount of the mixed container', async () => {
    const r = analyzeTarget(await readSelfTarget({ mountinfoFile: MIXED, env: { HOME: '/home/coder' } }));
    assert.equal(r.kind, 'self');
    assert.equal(r.id, MIXED_ID);
    assert.equal(r.home, '/home/coder');
    const local = reported(r, '/home/coder/.local');
    assert.equal(local.status, 'named-volume');
    assert.equal(local.source, 'capnamed');
    assert.equal(local.atRisk, false);
    assert.equal(reported(r, '/home/coder/.local/share/code-server').source, 'capnested');
    const b = reported(r, '/b');
    assert.equal(b.status, 'anonymous-volume');
    assert.equal(b.atRisk, true);
    const c = reported(r, '/c');
    assert.equal(c.status, 'bind-mount');
    assert.equal(c.source, '/tmp/hostdir with space');
    assert.equal(reported(r, '/d').status, 'tmpfs');
    assert.equal(reported(r, '/e').status, 'tmpfs');
    assert.equal(reported(r, '/data').status, 'anonymous-volume');
    for (const p of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) {
      assert.ok(!r.paths.some((x) => x.path === p), `${p} is not reported`);
    }
    assert.ok(!r.paths.some((x) => x.path.startsWith('/proc') || x.path.startsWith('/sys') || x.path.startsWith('/dev')));
    assert.equal(reported(r, '/home/coder/.config').status, 'writable-layer', 'the catalog fills in what no mount covers');
  });
});

describe('LiveMountTable.where', () => {
  let root: string;
  let mountinfo: string;
  const writeTable = (extra: string[] = []): void => {
    const lines = [
      '100 90 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u/diff,workdir=/u/work',
      '101 100 0:41 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
      `102 100 254:0 /var/lib/docker/volumes/myvol/_data ${esc(join(root, 'vol'))} rw,relatime master:1 - ext4 /dev/vda rw`,
      `103 100 0:42 / ${esc(join(root, 'scratch'))} rw,nosuid,nodev - tmpfs tmpfs rw`,
      `104 100 254:0 /srv/ref ${esc(join(root, 'ref dir'))} ro,relatime - ext4 /dev/vda rw`,
      ...extra,
    ];
    writeFileSync(mountinfo, lines.join('\n') + '\n');
  };

  before(() => {
    // Real directories: where() resolves symlinks on the real file system, the table says what they are.
    root = realpathSync(mkdtempSync(join(tmpdir(), 'pl-where-')));
    mkdirSync(join(root, 'layer'));
    mkdirSync(join(root, 'vol', 'sub'), { recursive: true });
    mkdirSync(join(root, 'scratch'));
    mkdirSync(join(root, 'ref dir'));
    writeFileSync(join(root, 'vol', 'sub', 'notes.md'), 'x');
    symlinkSync(join(root, 'vol', 'sub'), join(root, 'layer', 'link'));
    symlinkSync('../scratch', join(root, 'layer', 'rel-link'));
    mountinfo = join(root, 'mountinfo');
    writeTable();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('follows a symlink from the writable layer into a volume', () => {
    const t = LiveMountTable.load(mountinfo);
    const r = t.where(join(root, 'layer', 'link', 'notes.md'));
    assert.equal(r.path, join(root, 'layer', 'link', 'notes.md'));
    assert.equal(r.resolvedPath, join(root, 'vol', 'sub', 'notes.md'));
    assert.equal(r.status, 'named-volume');
    assert.equal(r.source, 'myvol');
    assert.equal(r.mountPoint, join(root, 'vol'));
    assert.equal(r.readOnly, false);
    assert.equal(r.survives.recreate, true);
  });

  it('classifies a file not created yet through its nearest existing ancestor', () => {
    const t = LiveMountTable.load(mountinfo);
    const r = t.where(join(root, 'layer', 'link', 'new', 'deeper', 'file.txt'));
    assert.equal(r.resolvedPath, join(root, 'vol', 'sub', 'new', 'deeper', 'file.txt'));
    assert.equal(r.status, 'named-volume');
    const rel = t.where(join(root, 'layer', 'rel-link', 'tmp.bin'));
    assert.equal(rel.resolvedPath, join(root, 'scratch', 'tmp.bin'));
    assert.equal(rel.status, 'tmpfs');
    assert.equal(rel.source, undefined);
    assert.equal(rel.survives.restart, false);
  });

  it('gives the writable layer to paths no mount covers, with no mount point', () => {
    const r = LiveMountTable.load(mountinfo).where(join(root, 'layer', 'plain.txt'));
    assert.equal(r.status, 'writable-layer');
    assert.equal(r.mountPoint, undefined);
    assert.equal(r.source, undefined);
    assert.equal(r.survives.recreate, false);
  });

  it('reports read-only mounts, whose paths have spaces', () => {
    const r = LiveMountTable.load(mountinfo).where(join(root, 'ref dir', 'a.txt'));
    assert.equal(r.status, 'bind-mount');
    assert.equal(r.source, '/srv/ref');
    assert.equal(r.readOnly, true);
  });

  it('resolves relative paths against the current directory, physically', () => {
    const cwd = process.cwd();
    try {
      process.chdir(join(root, 'layer'));
      const t = LiveMountTable.load(mountinfo);
      const r = t.where('link/notes.md');
      assert.equal(r.path, join(root, 'layer', 'link', 'notes.md'));
      assert.equal(r.status, 'named-volume');
      // link/.. is the parent of the link's target (vol), not layer: the kernel's reading, not a lexical one.
      assert.equal(t.where('link/../x').resolvedPath, join(root, 'vol', 'x'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('re-reads the table on refresh, and only then', () => {
    const t = LiveMountTable.load(mountinfo);
    const target = join(root, 'layer', 'cache', 'x');
    assert.equal(t.where(target).status, 'writable-layer');
    writeTable([`105 100 0:43 / ${esc(join(root, 'layer', 'cache'))} rw - tmpfs tmpfs rw`]);
    try {
      assert.equal(t.where(target).status, 'writable-layer', 'no re-read per call');
      t.refresh();
      assert.equal(t.where(target).status, 'tmpfs');
      assert.ok(t.table.at(join(root, 'layer', 'cache')));
    } finally {
      writeTable();
    }
  });

  it('keeps the previous table when a refresh fails', () => {
    const t = LiveMountTable.load(mountinfo);
    writeFileSync(mountinfo, 'garbage\n');
    try {
      assert.throws(() => t.refresh(), InputError);
      assert.equal(t.where(join(root, 'vol', 'y')).status, 'named-volume');
    } finally {
      writeTable();
    }
  });

  it('is cheap enough for every save', () => {
    const t = LiveMountTable.load(mountinfo);
    const p = join(root, 'layer', 'link', 'notes.md');
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5000; i++) t.where(p);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 2000, `5000 lookups took ${ms.toFixed(0)} ms`);
  });

  it('loads a captured container table', () => {
    const t = LiveMountTable.load(MIXED);
    assert.equal(t.table.classify('/home/coder/.local/share/code-server/x').mount?.source, 'capnested');
    assert.equal(t.view.containerId, MIXED_ID);
  });
});

describe('readSelfTarget follows symlinks', () => {
  it('classifies a catalog path linked into a volume as the volume', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'pl-self-link-')));
    try {
      const home = join(root, 'home');
      mkdirSync(join(root, 'vol', 'claude'), { recursive: true });
      mkdirSync(home);
      symlinkSync(join(root, 'vol', 'claude'), join(home, '.claude'));
      const mountinfo = join(root, 'mountinfo');
      writeFileSync(
        mountinfo,
        [
          '100 90 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u/diff,workdir=/u/work',
          `102 100 254:0 /var/lib/docker/volumes/agent/_data ${esc(join(root, 'vol'))} rw,relatime - ext4 /dev/vda rw`,
        ].join('\n') + '\n',
      );
      const target = await readSelfTarget({ mountinfoFile: mountinfo, env: { HOME: home }, cgroupFile: join(root, 'none') });
      const report = analyzeTarget(target);
      const claude = report.paths.find((p) => p.path === join(home, '.claude'));
      assert.ok(claude, 'the agent state is listed: it exists');
      assert.equal(claude.status, 'named-volume');
      assert.equal(claude.source, 'agent');
      assert.equal(claude.atRisk, false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
