import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MountTable } from '../../../src/core/mount-table';
import { InputError, type Mount } from '../../../src/core/types';
import { interpretMountInfo, parseMountInfo, type MountInfoEntry, type MountInfoView } from '../../../src/sources/mountinfo';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const parse = (name: string): MountInfoEntry[] => parseMountInfo(fixture(name), name);
const view = (name: string): MountInfoView => interpretMountInfo(parse(name));

const ALL = readdirSync(FIXTURES).filter((f) => f.startsWith('mountinfo-') && f.endsWith('.txt'));
const WELL_FORMED = ALL.filter((f) => !f.startsWith('mountinfo-malformed-'));

const MIXED_ID = '8a04ac1f749bc80269d32f8730c6e9df65e184abf094984204f1a7e7404652d2';

/** The listed (non-pseudo) mounts as compact tuples, for whole-table comparisons. */
function listed(v: MountInfoView): Array<[string, string, string | undefined, boolean, ...string[]]> {
  return v.mounts
    .filter((m) => !m.pseudo)
    .map((m) => [m.target, m.status, m.source, m.readOnly, ...(m.hostOnTmpfs ? ['hostOnTmpfs'] : [])]);
}

function at(v: MountInfoView, target: string): Mount {
  const found = v.mounts.filter((m) => m.target === target);
  assert.ok(found.length > 0, `a mount at ${target}; got ${v.mounts.map((m) => m.target).join(', ')}`);
  return found[found.length - 1]!;
}

function throwsAt(text: string, line: number, column: number, message: RegExp, file = 'bad.txt'): void {
  assert.throws(
    () => parseMountInfo(text, file),
    (err: unknown) => {
      assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
      assert.deepEqual(err.location, { file, line, column });
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(`${file}:${line}:${column}: `), err.message);
      return true;
    },
  );
}

describe('parseMountInfo', () => {
  it('has fixtures to read', () => {
    assert.ok(WELL_FORMED.length >= 18, WELL_FORMED.join(', '));
  });

  for (const name of WELL_FORMED) {
    it(`parses every line of ${name}`, () => {
      const text = fixture(name);
      const entries = parseMountInfo(text, name);
      const lines = text.split('\n');
      const nonBlank = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => l.trim() !== '');
      assert.deepEqual(
        entries.map((e) => e.line),
        nonBlank.map(([, n]) => n),
      );
      for (const e of entries) {
        assert.ok(e.mountPoint.startsWith('/'), `${name}:${e.line}`);
        assert.ok(e.fsType.length > 0 && e.mountOptions.length > 0 && e.superOptions.length > 0);
        // The raw line starts with the same id and parent, whatever the escapes did to the rest.
        const raw = lines[e.line - 1]!.trimStart();
        assert.ok(raw.startsWith(`${e.id} ${e.parentId} ${e.majorMinor} `), raw);
      }
    });
  }

  it('reads a real container line field by field', () => {
    const entries = parse('mountinfo-docker-mixed.txt');
    assert.equal(entries.length, 35);
    const root = entries[0]!;
    assert.equal(root.id, 72);
    assert.equal(root.parentId, 48);
    assert.equal(root.majorMinor, '0:39');
    assert.equal(root.root, '/');
    assert.equal(root.mountPoint, '/');
    assert.deepEqual(root.mountOptions, ['rw', 'relatime']);
    assert.deepEqual(root.optionalFields, ['master:2']);
    assert.equal(root.fsType, 'overlay');
    assert.equal(root.mountSource, 'overlay');
    assert.equal(root.superOptions[0], 'rw');
    assert.match(root.superOptions[1]!, /^lowerdir=\/var\/lib\/docker\/overlay2\/l\//);
    assert.equal(root.line, 1);

    assert.deepEqual(
      entries.find((e) => e.mountPoint === '/c'),
      {
        id: 89,
        parentId: 72,
        majorMinor: '254:0',
        root: '/tmp/hostdir with space',
        mountPoint: '/c',
        mountOptions: ['rw', 'relatime'],
        optionalFields: [],
        fsType: 'ext4',
        mountSource: '/dev/vda',
        superOptions: ['rw', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
        line: 18,
      } satisfies MountInfoEntry,
    );
    const shm = entries.find((e) => e.mountPoint === '/dev/shm')!;
    assert.equal(shm.fsType, 'tmpfs');
    assert.equal(shm.mountSource, 'shm');
    const cpu = entries.find((e) => e.mountPoint === '/sys/fs/cgroup/cpu')!;
    assert.equal(cpu.root, `/docker/${MIXED_ID}`);
  });

  it('decodes real tab and backslash escapes', () => {
    const entries = parse('mountinfo-docker-odd-chars.txt');
    assert.equal(entries.find((e) => e.mountPoint === '/t')!.root, '/tmp/pl-cap/odd/tab\tx');
    assert.equal(entries.find((e) => e.mountPoint === '/u')!.root, '/tmp/pl-cap/odd/back\\slash');
  });

  it('reads CRLF, blank lines, every escape, zero and many optional fields, an empty source', () => {
    const entries = parse('mountinfo-hostile-escapes.txt');
    const byId = new Map(entries.map((e) => [e.id, e]));
    assert.equal(entries.length, 9);
    assert.deepEqual(
      entries.map((e) => e.line),
      [1, 3, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.equal(byId.get(20)!.superOptions.at(-1), 'errors=remount-ro', 'no \\r left at the end of a line');
    assert.deepEqual(byId.get(21)!.optionalFields, ['shared:2', 'master:3', 'propagate_from:4', 'unbindable']);
    assert.equal(byId.get(21)!.root, '/srv/with space');
    assert.equal(byId.get(21)!.mountPoint, '/mnt/a b');
    assert.deepEqual(byId.get(22)!.optionalFields, []);
    assert.equal(byId.get(22)!.mountPoint, '/mnt/tab\tname');
    assert.equal(byId.get(23)!.mountPoint, '/mnt/new\nline');
    assert.equal(byId.get(24)!.mountPoint, '/mnt/back\\slash');
    assert.deepEqual(byId.get(24)!.optionalFields, ['master:7']);
    assert.equal(byId.get(25)!.mountSource, '', 'a mount made with an empty device name');
    assert.equal(byId.get(25)!.fsType, 'tmpfs');
    assert.deepEqual(byId.get(25)!.superOptions, ['rw', 'size=1024k']);
    assert.equal(byId.get(26)!.mountSource, 'server:/export dir');
    assert.equal(byId.get(27)!.mountPoint, '/mnt/café', 'octal-escaped UTF-8 bytes');
    assert.equal(byId.get(28)!.mountPoint, '/mnt/unicode-é', 'raw UTF-8');
  });

  it('keeps a raw backslash where a file system prints one (9p super options)', () => {
    const wsl = parse('mountinfo-docker-desktop-wsl.txt').find((e) => e.mountPoint === '/data')!;
    assert.equal(wsl.mountSource, 'C:\\');
    assert.ok(wsl.superOptions.includes('aname=drvfs;path=C:\\;uid=0;gid=0;metadata;symlinkroot=/mnt/host/'), wsl.superOptions.join(','));
  });

  it('gives nothing for empty input', () => {
    assert.deepEqual(parseMountInfo(''), []);
    assert.deepEqual(parseMountInfo('\n\r\n  \n'), []);
  });

  it('names the file, line and column of a line without the " - " separator', () => {
    throwsAt(fixture('mountinfo-malformed-no-separator.txt'), 3, 33, /missing the " - " separator/, 'mountinfo-malformed-no-separator.txt');
  });

  it('names the file, line and column of a line with too few fields', () => {
    throwsAt(
      fixture('mountinfo-malformed-too-few-fields.txt'),
      3,
      19,
      /expected at least 10 fields .* found 5/,
      'mountinfo-malformed-too-few-fields.txt',
    );
  });

  it('points at the offending field of hostile lines', () => {
    const ok = '25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n';
    throwsAt(`${ok}x1 25 8:1 / /a rw - ext4 /dev/sda1 rw`, 2, 1, /mount ID must be a decimal number, found "x1"/);
    throwsAt(`${ok}26 -3 8:1 / /a rw - ext4 /dev/sda1 rw`, 2, 4, /parent ID must be a decimal number/);
    throwsAt(`${ok}26 25 8-1 / /a rw - ext4 /dev/sda1 rw`, 2, 7, /MAJ:MIN must look like 8:1, found "8-1"/);
    throwsAt(`${ok}26 25 8:1 / a rw - ext4 /dev/sda1 rw`, 2, 13, /mount point must be an absolute path/);
    throwsAt(`${ok}26 25 8:1 /x\\04y /a rw - ext4 /dev/sda1 rw`, 2, 13, /invalid escape "\\04y"/);
    throwsAt(`${ok}26 25 8:1 /x /a\\ rw - ext4 /dev/sda1 rw`, 2, 16, /invalid escape/);
    throwsAt(`${ok}26 25 8:1 /x /a\\777 rw - ext4 /dev/sda1 rw`, 2, 16, /invalid escape/);
    throwsAt(`${ok}26 25 8:1 /x\t/a rw - ext4 /dev/sda1 rw`, 2, 13, /unexpected tab character/);
    throwsAt(`${ok}26 25 8:1 /x /a rw shared:1  master:2 - ext4 /dev/sda1 rw`, 2, 29, /empty optional field/);
    throwsAt(`${ok}26  25 8:1 /x /a rw - ext4 /dev/sda1 rw`, 2, 4, /empty parent ID/);
    throwsAt(`${ok}26 25 8:1 /x /a rw - ext4 /dev/sda1 rw extra`, 2, 40, /unexpected field after the super options/);
    throwsAt(`${ok}26 25 8:1 /x /a rw - ext4 /dev/sda1`, 2, 36, /expected FSTYPE SOURCE SUPEROPTIONS after " - ", found 2 fields/);
    throwsAt(`${ok}26 25 8:1 /x /a rw -`, 2, 21, /found 0 fields/);
    throwsAt(`${ok}26 25 8:1 /x /a rw -  /dev/sda1 rw`, 2, 22, /empty file system type/);
    throwsAt(`${ok}26 25 8:1 /x /a rw`, 2, 19, /expected at least 10 fields/);
  });

  it('counts lines across CRLF and blank lines, and defaults the file name', () => {
    const text =
      '25 1 8:1 / / rw - ext4 /dev/sda1 rw\r\n\r\n26 25 0:5 / /proc rw - proc proc rw\r\n27 25 0:5 / /x rw shared:1 ext4 /dev/x rw\r\n';
    throwsAt(text, 4, 19, /missing the " - " separator/);
    assert.throws(() => parseMountInfo(text), /^InputError: mountinfo:4:19: /);
  });

  it('tolerates blanks around a line', () => {
    const [e] = parseMountInfo('  25 1 8:1 / / rw - ext4 /dev/sda1 rw  ');
    assert.equal(e!.id, 25);
    assert.deepEqual(e!.superOptions, ['rw']);
  });
});

describe('interpretMountInfo: real Docker captures', () => {
  it('reads the mixed container: named, nested named, anonymous, image VOLUME, bind with a space, two tmpfs', () => {
    const v = view('mountinfo-docker-mixed.txt');
    assert.equal(v.insideContainer, true);
    assert.equal(v.rootStatus, 'writable-layer');
    assert.equal(v.rootReadOnly, false);
    assert.equal(v.containerId, MIXED_ID);
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/c', 'bind-mount', '/tmp/hostdir with space', false],
      ['/b', 'anonymous-volume', 'cdf3f4f85c383dee59cdf9276f66deaf486e4ced6dbec696cb4ac8b5fdead5f5', false],
      ['/data', 'anonymous-volume', 'ead639796dc3140643c2c4c031b227e0a033d2fffe64c30120359130d9313376', false],
      ['/d', 'tmpfs', undefined, false],
      ['/e', 'tmpfs', undefined, false],
      ['/home/coder/.local', 'named-volume', 'capnamed', false],
      ['/home/coder/.local/share/code-server', 'named-volume', 'capnested', false],
    ]);
    assert.ok(!v.mounts.some((m) => m.target.startsWith('/etc/')), 'engine-generated files are not mounts of the user');
    assert.ok(!v.mounts.some((m) => m.target === '/'), 'the root is described by rootStatus');
    for (const p of [
      '/proc',
      '/dev/pts',
      '/sys',
      '/sys/fs/cgroup',
      '/sys/fs/cgroup/cpu',
      '/dev/mqueue',
      '/proc/bus',
      '/proc/keys',
      '/proc/acpi',
      '/sys/firmware',
    ]) {
      assert.equal(at(v, p).pseudo, true, p);
    }
    assert.equal(at(v, '/dev').pseudo, undefined);
    assert.ok(v.mounts.every((m) => m.origin === 'mountinfo'));
    assert.ok(
      v.mounts.every((m) => m.hostOnTmpfs === undefined),
      'unknown from inside a container',
    );
    assert.equal(at(v, '/d').source, undefined);
  });

  it("leaves out what lies inside an engine data root bound into the container: other containers' root file systems, network namespaces", () => {
    // Captured here: `docker run -v /var/lib/docker:/var/lib/docker -v /run/docker:/run/docker -v /var/run/docker.sock:/var/run/docker.sock
    // -v capvol:/home/coder/.config persistence-test cat /proc/self/mountinfo` with other containers running.
    const v = view('mountinfo-docker-data-root-bound.txt');
    assert.equal(v.insideContainer, true);
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/run/docker', 'bind-mount', '/run/docker', false],
      ['/var/lib/docker', 'bind-mount', '/var/lib/docker', false],
      ['/var/run/docker.sock', 'bind-mount', '/run/docker.sock', false],
      ['/home/coder/.config', 'named-volume', 'capvol', false],
    ]);
    const inside = v.mounts.filter((m) => m.target.includes('/overlay2/') || m.target.includes('/netns/'));
    assert.ok(inside.length >= 20, `the capture has the engine's own mounts (${inside.length})`);
    assert.ok(
      inside.every((m) => m.pseudo),
      'none of them is listed',
    );
    const t = new MountTable(v.mounts, v.rootStatus, v.rootReadOnly);
    assert.equal(t.classify('/home/coder/.config/x').mount?.source, 'capvol');
  });

  it('classifies paths of the mixed container through the core MountTable', () => {
    const v = view('mountinfo-docker-mixed.txt');
    const t = new MountTable(v.mounts, v.rootStatus, v.rootReadOnly);
    assert.equal(t.classify('/home/coder/.local/share/code-server/User/settings.json').mount?.source, 'capnested');
    assert.equal(t.classify('/home/coder/.local/bin/x').mount?.source, 'capnamed');
    assert.equal(t.classify('/home/coder/.bashrc').status, 'writable-layer');
    assert.equal(t.classify('/c/file').mount?.source, '/tmp/hostdir with space');
    assert.equal(t.classify('/etc/hosts').status, 'writable-layer');
    assert.equal(t.classify('/data2').status, 'writable-layer');
  });

  it('reads read-only mounts (:ro, --tmpfs :ro, --mount readonly)', () => {
    const v = view('mountinfo-docker-readonly-mounts.txt');
    assert.deepEqual(listed(v).slice(2), [
      ['/a', 'named-volume', 'plcap-ro', true],
      ['/c', 'bind-mount', '/tmp/pl-cap/dir', true],
      ['/d', 'tmpfs', undefined, true],
      ['/e', 'tmpfs', undefined, true],
    ]);
    assert.equal(v.rootReadOnly, false);
  });

  it('reads a --read-only container', () => {
    const v = view('mountinfo-docker-read-only-root.txt');
    assert.equal(v.rootStatus, 'writable-layer');
    assert.equal(v.rootReadOnly, true);
    assert.deepEqual(listed(v).slice(2), [
      ['/tmp', 'tmpfs', undefined, false],
      ['/home/coder', 'named-volume', 'plcap-ro', false],
    ]);
    assert.equal(v.containerId, '27669df98742424c3356677865332f50cf3194b2e6bfbbbfef6c3afbba28fff1');
  });

  it('reads binds of single files', () => {
    const v = view('mountinfo-docker-bind-file.txt');
    assert.deepEqual(listed(v).slice(2), [
      ['/etc/app.conf', 'bind-mount', '/tmp/pl-cap/file.conf', false],
      ['/home/coder/.gitconfig', 'bind-mount', '/tmp/pl-cap/file.conf', true],
    ]);
  });

  it('reads volumes nested in a bind', () => {
    const v = view('mountinfo-docker-volume-in-bind.txt');
    assert.deepEqual(listed(v).slice(2), [
      ['/workspace', 'bind-mount', '/tmp/pl-cap/proj', false],
      ['/workspace/node_modules', 'named-volume', 'plcap-nm', false],
      ['/workspace/.cache', 'anonymous-volume', '8a99e18d98324924e6aa4314fe5752634f16990bbaca1a121f68717719eb9b1f', false],
    ]);
    const t = new MountTable(v.mounts, v.rootStatus);
    assert.equal(t.classify('/workspace/node_modules/x/index.js').status, 'named-volume');
    assert.equal(t.classify('/workspace/src/main.ts').status, 'bind-mount');
  });

  it('leaves out the init binary the engine injects (--init)', () => {
    const v = view('mountinfo-docker-init.txt');
    assert.ok(!v.mounts.some((m) => m.target === '/sbin/docker-init'));
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/dev/shm', 'tmpfs', undefined, false],
    ]);
  });

  it("takes the container's own id from its cgroup when the engine files are another container's (network_mode container:)", () => {
    const v = view('mountinfo-docker-network-container.txt');
    assert.equal(v.containerId, 'bf8a94cecaaf7d08aaaff9dbb754593d308784b23563aed3946e587a1427499e');
    const hosts = parse('mountinfo-docker-network-container.txt').find((e) => e.mountPoint === '/etc/hosts')!;
    assert.match(hosts.root, /b95b1838986cce09d789f9ea0617519119f13cfb1ee358fe5d712e25e4c1a3d7/);
  });

  it('sees a bind from a host tmpfs as a bind that a reboot empties', () => {
    const v = view('mountinfo-docker-network-container.txt');
    assert.deepEqual(at(v, '/shm-bind'), {
      target: '/shm-bind',
      status: 'bind-mount',
      source: '/pl-cap-shm',
      hostOnTmpfs: true,
      readOnly: false,
      origin: 'mountinfo',
    });
    // The container's own /dev tmpfs bound over /proc/keys is that tmpfs, not a host bind.
    assert.equal(at(v, '/proc/keys').status, 'tmpfs');
  });

  it('keeps odd characters in bind sources', () => {
    const v = view('mountinfo-docker-odd-chars.txt');
    assert.equal(at(v, '/t').source, '/tmp/pl-cap/odd/tab\tx');
    assert.equal(at(v, '/u').source, '/tmp/pl-cap/odd/back\\slash');
  });

  it("reads this machine's own host mount table: a plain disk root", () => {
    const v = view('mountinfo-host-ext4.txt');
    assert.equal(v.insideContainer, false);
    assert.equal(v.rootStatus, 'bind-mount');
    assert.equal(v.containerId, undefined);
    assert.deepEqual(listed(v), [
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/var/lib/docker', 'bind-mount', '/var/lib/docker', false],
    ]);
    assert.equal(at(v, '/dev').pseudo, true, 'devtmpfs');
    assert.equal(at(v, '/sys/fs/cgroup/unified').pseudo, true, 'cgroup2');
  });
});

describe('interpretMountInfo: other engines and hosts (hand-made from documented layouts)', () => {
  it('reads rootless Docker (volumes under ~/.local/share/docker)', () => {
    const v = view('mountinfo-rootless-docker.txt');
    assert.equal(v.rootStatus, 'writable-layer');
    assert.equal(v.containerId, 'b76acccf4228ed0b8c2d66108de7c5feedec650deea08123923295d0a0b33b29');
    assert.deepEqual(listed(v).slice(2), [
      ['/home/coder/.config', 'named-volume', 'rl-config', false],
      ['/home/coder/.cache', 'anonymous-volume', '540f74c30d82da9381a68c8e96016695e557cda7b8a2378704a8839617ff2516', false],
      ['/workspace', 'bind-mount', '/home/u/src/app', false],
    ]);
  });

  it('reads rootless Podman: a fuse-overlayfs root, run files on a tmpfs', () => {
    const v = view('mountinfo-podman-rootless.txt');
    assert.equal(v.insideContainer, true);
    assert.equal(v.rootStatus, 'writable-layer');
    assert.equal(v.containerId, '5a945e6e563938ef6be2d040d2e348e5de1e81fcfd58a94e9e01aff5d8971845');
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/home/coder/.local/share', 'named-volume', 'pvol', false],
      ['/var/cache/app', 'anonymous-volume', '3d308acd2ad5dc36e75d6aaed15fabaa7cb838289e36a46e685c3116e3f9552e', false],
    ]);
  });

  it('reads rootful Podman (/var/lib/containers/storage/volumes)', () => {
    const v = view('mountinfo-podman-rootful.txt');
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/var/lib/postgresql/data', 'named-volume', 'pgdata', false],
    ]);
    assert.ok(!v.mounts.some((m) => m.target === '/run/.containerenv'));
  });

  it('reads a data root that is its own file system (ROOT /volumes/NAME/_data), with a volume subpath', () => {
    const v = view('mountinfo-data-root-own-fs.txt');
    assert.equal(v.containerId, 'cac2b7f835ad771e3d5388fc773cf91c77b6d6aef1fb25f1638a69fe3fe5f6d6');
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/var/lib/mysql', 'named-volume', 'dbdata', false],
      ['/srv/reports', 'named-volume', 'shared', true],
    ]);
    assert.ok(!v.mounts.some((m) => m.target === '/run/secrets'), 'engine-managed secrets');
  });

  it('reads Docker Desktop for macOS: fakeowner, grpcfuse, virtiofs binds and VM volumes', () => {
    const v = view('mountinfo-docker-desktop-mac.txt');
    assert.equal(v.containerId, '5964f0221634bd61ea4527329570ca9a35da440c386f387d5b4cefb5cceffa33');
    assert.deepEqual(listed(v).slice(2), [
      ['/workspaces/shop', 'bind-mount', '/Users/alice/Projects/shop', false],
      ['/home/vscode/.gitconfig', 'bind-mount', '/Users/alice/.gitconfig', true],
      ['/archive', 'bind-mount', '/Volumes/Data/archive', false],
      ['/notes', 'bind-mount', '/Users/alice/notes', false],
      ['/cache', 'bind-mount', '/Users/alice/cache', false],
      ['/workspaces/shop/node_modules', 'named-volume', 'shop-node-modules', false],
      ['/home/vscode/.vscode-server/extensions', 'named-volume', 'vscode-server-extensions', false],
    ]);
  });

  it('reads Docker Desktop on WSL 2: a 9p bind of a Windows folder', () => {
    const v = view('mountinfo-docker-desktop-wsl.txt');
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      ['/data', 'bind-mount', 'C:\\Users\\nekit\\Desktop\\app\\data', false],
      ['/var/lib/postgresql/data', 'named-volume', 'wsl-db', false],
    ]);
  });

  it('reads Kubernetes: emptyDir as an anonymous volume, memory emptyDir as tmpfs, PVCs as host-owned', () => {
    const v = view('mountinfo-kubernetes.txt');
    assert.equal(v.insideContainer, true);
    assert.equal(
      v.containerId,
      'a1a21e2b8129427a5cec88bf8b99dff6c6e3f1e070bb8d815b6b3497fb276847',
      'from the kubepods cgroup, not the sandbox files',
    );
    assert.deepEqual(listed(v), [
      ['/dev', 'tmpfs', undefined, false],
      // Dies with the pod, survives container restarts: the anonymous-volume row.
      ['/cache', 'anonymous-volume', 'cache', false],
      ['/scratch', 'tmpfs', undefined, false],
      ['/data', 'bind-mount', '/dev/rbd0', false],
      ['/shared', 'bind-mount', 'fileserver:/exports/team', false],
      [
        '/etc/app',
        'bind-mount',
        '/var/lib/kubelet/pods/7502a627-c4da-45c5-bc82-9a94bec985aa/volumes/kubernetes.io~configmap/app-config',
        true,
      ],
      ['/var/run/secrets/kubernetes.io/serviceaccount', 'tmpfs', undefined, true],
      ['/dev/shm', 'tmpfs', undefined, false],
    ]);
    for (const p of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev/termination-log']) {
      assert.ok(!v.mounts.some((m) => m.target === p), `${p} is the runtime's`);
    }
  });

  it('reads a cgroup v1 systemd-driver id (docker-<id>.scope) before the engine files', () => {
    const v = view('mountinfo-docker-cgroup-v1-systemd.txt');
    assert.equal(v.containerId, '3bcea9507937d58402348a0e1716b1f50c73b8f47a20d2c3e65447b217f7c573');
    assert.deepEqual(listed(v), []);
  });

  it('reads a NixOS impermanence host: a tmpfs root, state bound from /persist and /nix/persist', () => {
    const v = view('mountinfo-nixos-impermanence.txt');
    assert.equal(v.insideContainer, false);
    assert.equal(v.rootStatus, 'tmpfs');
    assert.equal(v.containerId, undefined);
    assert.deepEqual(listed(v), [
      ['/dev/shm', 'tmpfs', undefined, false],
      ['/run', 'tmpfs', undefined, false],
      ['/nix', 'bind-mount', '/nix', false],
      ['/nix/store', 'bind-mount', '/nix/store', true],
      ['/persist', 'bind-mount', '/persist', false],
      ['/etc/ssh', 'bind-mount', '/persist/etc/ssh', false],
      ['/var/lib/nixos', 'bind-mount', '/nix/persist/var/lib/nixos', false],
      ['/home/alice/Documents', 'bind-mount', '/persist/home/alice/Documents', false],
      ['/srv/scratch', 'bind-mount', '/scratch', false, 'hostOnTmpfs'],
      ['/boot', 'bind-mount', '/boot', false],
      ['/run/user/1000', 'tmpfs', undefined, false],
      ['/tmp', 'tmpfs', undefined, false],
    ]);
    const t = new MountTable(v.mounts, v.rootStatus, v.rootReadOnly);
    assert.equal(t.classify('/home/alice/.bashrc').status, 'tmpfs', 'not persisted: gone at reboot');
    assert.equal(t.classify('/etc/ssh/ssh_host_ed25519_key').status, 'bind-mount');
    assert.equal(t.classify('/srv/scratch/x').survives.reboot, false);
    assert.equal(t.classify('/etc/ssh/x').survives.reboot, true);
  });

  it('reads a host with escapes: binds get their host path', () => {
    const v = view('mountinfo-hostile-escapes.txt');
    assert.equal(v.rootStatus, 'bind-mount');
    assert.equal(at(v, '/mnt/a b').source, '/srv/with space');
    assert.equal(at(v, '/mnt/back\\slash').readOnly, true);
    assert.equal(at(v, '/mnt/empty-source').status, 'tmpfs');
    assert.equal(at(v, '/net/share').status, 'bind-mount');
  });
});

describe('interpretMountInfo: rules', () => {
  const overlayRoot = '1 0 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u/diff,workdir=/u/work';

  it('takes the container id from /proc/self/cgroup when given and the mount table has none', () => {
    const id = 'ab'.repeat(32);
    const entries = parseMountInfo(overlayRoot);
    assert.equal(interpretMountInfo(entries).containerId, undefined);
    assert.equal(interpretMountInfo(entries, { cgroup: `0::/system.slice/docker-${id}.scope\n` }).containerId, id);
    assert.equal(
      interpretMountInfo(entries, { cgroup: `12:cpu,cpuacct:/docker/${'cd'.repeat(32)}/docker/${id}\n` }).containerId,
      id,
      'innermost in Docker in Docker',
    );
    assert.equal(interpretMountInfo(entries, { cgroup: '0::/\n' }).containerId, undefined);
  });

  it('orders stacked mounts bottom to top by their parent link, so the top one classifies', () => {
    const text = [
      overlayRoot,
      // Listed first, but mounted on top of 30 (its parent is 30, at the same point).
      '31 30 0:61 / /x rw - tmpfs tmpfs rw',
      '30 1 8:1 /var/lib/docker/volumes/below/_data /x rw - ext4 /dev/sda1 rw',
    ].join('\n');
    const v = interpretMountInfo(parseMountInfo(text));
    assert.deepEqual(
      v.mounts.map((m) => m.status),
      ['named-volume', 'tmpfs'],
    );
    assert.equal(new MountTable(v.mounts, v.rootStatus).classify('/x/y').status, 'tmpfs');
  });

  it('keeps mountinfo order for stacks otherwise (later on top)', () => {
    const text = [
      overlayRoot,
      '30 1 0:61 / /x rw - tmpfs tmpfs rw',
      '31 1 8:1 /var/lib/docker/volumes/top/_data /x rw - ext4 /dev/sda1 rw',
    ].join('\n');
    const v = interpretMountInfo(parseMountInfo(text));
    assert.equal(new MountTable(v.mounts, v.rootStatus).classify('/x').mount?.source, 'top');
  });

  it('treats a ramfs root as tmpfs and a read-only disk root as read-only host storage', () => {
    assert.equal(interpretMountInfo(parseMountInfo('1 0 0:2 / / rw - ramfs ramfs rw')).rootStatus, 'tmpfs');
    const v = interpretMountInfo(parseMountInfo('1 0 8:1 / / ro,relatime - ext4 /dev/sda1 ro'));
    assert.equal(v.rootStatus, 'bind-mount');
    assert.equal(v.rootReadOnly, true);
  });

  it('knows a container by its engine files even on a storage driver without a union root', () => {
    const id = 'ef'.repeat(32);
    const text = [
      '1 0 0:40 /var/lib/docker/btrfs/subvolumes/0a1b2c / rw - btrfs /dev/sda2 rw',
      `2 1 8:2 /var/lib/docker/containers/${id}/hosts /etc/hosts rw - ext4 /dev/sda2 rw`,
    ].join('\n');
    const v = interpretMountInfo(parseMountInfo(text));
    assert.equal(v.insideContainer, true);
    assert.equal(v.rootStatus, 'writable-layer');
    assert.equal(v.containerId, id);
  });

  it('does not mistake a 63-hex or upper-case name for an anonymous volume', () => {
    const text = [
      overlayRoot,
      `2 1 8:1 /var/lib/docker/volumes/${'a'.repeat(63)}/_data /a rw - ext4 /dev/sda1 rw`,
      `3 1 8:1 /var/lib/docker/volumes/${'A'.repeat(64)}/_data /b rw - ext4 /dev/sda1 rw`,
      `4 1 8:1 /var/lib/docker/volumes/${'a'.repeat(64)}/_data /c rw - ext4 /dev/sda1 rw`,
    ].join('\n');
    const v = interpretMountInfo(parseMountInfo(text));
    assert.deepEqual(
      v.mounts.map((m) => m.status),
      ['named-volume', 'named-volume', 'anonymous-volume'],
    );
  });
});

/**
 * Pod captures from public sources (issue 12), copied line for line:
 * - mountinfo-kubernetes-emptydir-readonly-root.txt: solarwinds/apm-go internal/host/k8s/k8s_test.go (`sampleProc`),
 *   a containerd pod with readOnlyRootFilesystem, an emptyDir at /tmp, configMap files, the service account token.
 * - mountinfo-kubernetes-local-pv.txt: pingcap/tidb pkg/util/cgroup/cgroup_mock_test.go
 *   (`v1MountsWithEccentricMemController`), a TiKV pod: a node-disk directory /pv03 at /var/lib/tikv (a local PV),
 *   configMaps, a downwardAPI tmpfs at /etc/podinfo.
 * - mountinfo-kubernetes-minikube.txt: nginx/agent, Go tests of package core (`envMountInfo`, the minikube entry):
 *   a pod inside a minikube node on Docker, its kubelet root inside the engine volume "minikube".
 */
describe('mountinfo of a pod (issue 12)', () => {
  const podMount = (v: MountInfoView, target: string) => at(v, target).pod;

  it('the existing synthetic pod table: kubelet volumes carry their pod storage, the Docker reading is unchanged', () => {
    const v = view('mountinfo-kubernetes.txt');
    assert.equal(v.insidePod, true);
    assert.deepEqual(podMount(v, '/cache'), { status: 'empty-dir', volume: 'cache' });
    assert.equal(podMount(v, '/etc/app')?.status, 'config');
    assert.equal(podMount(v, '/etc/app')?.configKind, 'configMap');
    // Its own block device, its own NFS export: a claim or an ephemeral volume, mountinfo cannot tell.
    assert.equal(podMount(v, '/data')?.status, 'pvc');
    assert.match(
      podMount(v, '/data')!.lifecycleUnknown!,
      /PersistentVolumeClaim keeps it, a generic ephemeral volume is deleted with the pod/,
    );
    assert.equal(podMount(v, '/shared')?.status, 'pvc');
    assert.match(podMount(v, '/shared')!.lifecycleUnknown!, /network file system/);
    // A writable tmpfs: a Memory emptyDir (secrets and projected volumes are always read-only).
    assert.deepEqual(podMount(v, '/scratch'), { status: 'empty-dir', medium: 'Memory' });
    assert.equal(podMount(v, '/var/run/secrets/kubernetes.io/serviceaccount')?.status, 'config');
  });

  it('a pod with a read-only root and an emptyDir at /tmp (solarwinds/apm-go capture)', () => {
    const v = view('mountinfo-kubernetes-emptydir-readonly-root.txt');
    assert.equal(v.insideContainer, true);
    assert.equal(v.insidePod, true);
    assert.equal(v.rootReadOnly, true);
    assert.equal(v.containerId, 'b92a703b826d4494978d810adf100d06c5ade2539b714d984ae3c8fef3449964');
    assert.deepEqual(podMount(v, '/tmp'), { status: 'empty-dir', volume: 'temp-dir' });
    assert.equal(at(v, '/tmp').status, 'anonymous-volume');
    const cfg = podMount(v, '/app/resources/trace-hopper.yaml')!;
    assert.equal(cfg.status, 'config');
    assert.equal(cfg.volume, 'trace-hopper-vol');
    assert.equal(cfg.subPath, undefined, "the ..<timestamp> directory is the kubelet's atomic-writer layout, not a subPath");
    assert.equal(at(v, '/app/resources/trace-hopper.yaml').readOnly, true);
  });

  it('a TiKV pod: a node-disk directory is node-bound with its lifecycle unknown; a read-only tmpfs may be a secret or a Memory emptyDir', () => {
    const v = view('mountinfo-kubernetes-local-pv.txt');
    assert.equal(v.insidePod, true);
    const data = podMount(v, '/var/lib/tikv')!;
    assert.equal(data.status, 'host-path');
    assert.equal(data.nodeBound, true);
    assert.match(data.lifecycleUnknown!, /hostPath or a local PersistentVolume/);
    const podinfo = podMount(v, '/etc/podinfo')!;
    assert.equal(podinfo.status, 'config');
    assert.match(podinfo.lifecycleUnknown!, /secret, a projected or downwardAPI volume, or a Memory emptyDir/);
    assert.equal(podMount(v, '/etc/tikv')?.configKind, 'configMap');
  });

  it('a pod in a minikube node on Docker: the pod is seen, its own container id is read (nginx/agent capture)', () => {
    const v = view('mountinfo-kubernetes-minikube.txt');
    assert.equal(v.insidePod, true);
    assert.equal(
      v.containerId,
      'c165b8760bf6a5687d806ba33f1da4f78c81fb3f28e3e9568620da989277ee2a',
      'the pod container, not the minikube node',
    );
    for (const p of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev/termination-log'])
      assert.ok(!v.mounts.some((m) => m.target === p), p);
  });

  it('minikube: an emptyDir in the kubelet root inside the engine volume "minikube" is an emptyDir, not the named volume', () => {
    // The capture above has no emptyDir; this line puts one in that same pod directory, at the path a public
    // minikube report shows for an emptyDir (/var/lib/docker/volumes/minikube/_data/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/html).
    const line =
      '1886 1859 254:1 /docker/volumes/minikube/_data/lib/kubelet/pods/0635783e-afc4-448c-b3c2-ed3c739eaf39/volumes/kubernetes.io~empty-dir/html /usr/share/nginx/html rw,relatime - ext4 /dev/vda1 rw';
    const v = interpretMountInfo(parseMountInfo(`${fixture('mountinfo-kubernetes-minikube.txt')}${line}\n`, 'minikube'));
    const m = at(v, '/usr/share/nginx/html');
    assert.equal(m.status, 'anonymous-volume');
    assert.equal(m.source, 'html');
    assert.deepEqual(m.pod, { status: 'empty-dir', volume: 'html' });
    // The same pattern in the kubelet's default root, with CSI and subPath directories.
    const csi = interpretMountInfo(
      parseMountInfo(
        `${fixture('mountinfo-kubernetes-minikube.txt')}1887 1859 254:1 /var/lib/kubelet/pods/0635783e-afc4-448c-b3c2-ed3c739eaf39/volumes/kubernetes.io~csi/pvc-5b1e/mount /data rw,relatime - ext4 /dev/vda1 rw\n1888 1859 254:1 /var/lib/kubelet/pods/0635783e-afc4-448c-b3c2-ed3c739eaf39/volume-subpaths/work/app/0 /work rw,relatime - ext4 /dev/vda1 rw\n`,
        'csi',
      ),
    );
    assert.equal(at(csi, '/data').pod?.status, 'pvc');
    assert.match(at(csi, '/data').pod!.lifecycleUnknown!, /PersistentVolumeClaim or to a generic ephemeral volume/);
    assert.match(at(csi, '/work').pod!.lifecycleUnknown!, /subPath of the volume work/);
  });

  it('a Docker container is not a pod: no pod storage anywhere', () => {
    for (const name of WELL_FORMED.filter((f) => !f.includes('kubernetes'))) {
      const v = view(name);
      assert.equal(v.insidePod, false, name);
      assert.ok(
        v.mounts.every((m) => m.pod === undefined),
        name,
      );
    }
  });
});

describe('parseMountInfo limits', () => {
  it('refuses more than 100,000 lines before reading any, naming the limit', () => {
    const line = '1 0 0:1 / /x rw - tmpfs tmpfs rw\n';
    // a first line that would be refused on its own: the count is checked before any line is parsed (the speed
    // of the refusal is the bench's business, not a timed assertion's)
    const text = 'not a mount line\n' + line.repeat(300_000);
    assert.throws(() => parseMountInfo(text, 'big.txt'), /big\.txt:100001:1: the mount table has 300,001 lines, more than the 100,000/);
    assert.equal(parseMountInfo(line.repeat(1000), 'ok.txt').length, 1000);
  });

  it('refuses more than 16 MB', () => {
    const text = `1 0 0:1 / /${'a'.repeat(17 * 1024 * 1024)} rw - tmpfs tmpfs rw\n`;
    assert.throws(() => parseMountInfo(text, 'huge.txt'), /huge\.txt:1:1: the mount table is larger than 16 MB/);
  });
});
describe('interpretMountInfo: a host that runs containers', () => {
  it("is a host: the engines' own mounts (a bound /var/lib/docker, overlays, Podman userdata) are not engine files of this process", () => {
    // Captured on this project's test machine while Docker and Podman containers ran, plus one Podman
    // userdata line as the host sees it (mounted at its own path, not at /etc/hosts).
    const v = view('mountinfo-host-running-containers.txt');
    assert.equal(v.insideContainer, false);
    assert.equal(v.rootStatus, 'bind-mount');
    assert.equal(v.containerId, undefined);
  });
});
