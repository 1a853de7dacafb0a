import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeGroup, existingPathsFromChanges, summarizeChanges, type ChangeEntry } from '../../../src/core/changes';
import type { Mount } from '../../../src/core/types';

const A = (path: string): ChangeEntry => ({ path, kind: 1 });
const C = (path: string): ChangeEntry => ({ path, kind: 0 });
const D = (path: string): ChangeEntry => ({ path, kind: 2 });
const vol = (target: string): Mount => ({ target, status: 'named-volume', source: 'v', readOnly: false });

// Captured from `GET /containers/{id}/changes` on Engine 20.10 (persistence-test-volume with a named volume at
// ~/.config, -v /anon, a bind at /work/b, --tmpfs /t, a tmpfs mount at /mt, -w /workspace, then
// `mkdir -p ~/.ssh && echo k > ~/.ssh/id; echo x > /etc/passwd; rm /bin/tar`). The engine does not sort it.
const ENGINE_LIST: ChangeEntry[] = [
  A('/data'),
  C('/etc'),
  C('/etc/passwd'),
  A('/mt'),
  A('/anon'),
  C('/bin'),
  D('/bin/tar'),
  C('/home'),
  C('/home/coder'),
  A('/home/coder/.config'),
  A('/home/coder/.ssh'),
  A('/home/coder/.ssh/id'),
  A('/t'),
  A('/work'),
  A('/work/b'),
  A('/workspace'),
];
const ENGINE_MOUNTS: Mount[] = [
  vol('/home/coder/.config'),
  { target: '/anon', status: 'anonymous-volume', readOnly: false },
  { target: '/data', status: 'anonymous-volume', readOnly: false },
  { target: '/work/b', status: 'bind-mount', source: '/tmp/x', readOnly: false },
  { target: '/t', status: 'tmpfs', readOnly: false },
  { target: '/mt', status: 'tmpfs', readOnly: false },
];

describe('changeGroup', () => {
  it('groups under the home at its first component', () => {
    assert.equal(changeGroup('/home/coder/.cache/pip/x/y', '/home/coder'), '/home/coder/.cache');
    assert.equal(changeGroup('/home/coder/.bash_history', '/home/coder'), '/home/coder/.bash_history');
    assert.equal(changeGroup('/home/coder', '/home/coder'), '/home/coder');
    assert.equal(changeGroup('/config/data/db/x', '/config'), '/config/data');
  });
  it('groups elsewhere at the first two components, or the only one', () => {
    assert.equal(changeGroup('/var/lib/apt/lists/x', '/home/coder'), '/var/lib');
    assert.equal(changeGroup('/opt/app/node_modules/a/b.js'), '/opt/app');
    assert.equal(changeGroup('/etc/passwd'), '/etc/passwd');
    assert.equal(changeGroup('/workspace'), '/workspace');
  });
  it('treats /home/<user> and /root as homes when the home is not known', () => {
    assert.equal(changeGroup('/home/other/.ssh/id'), '/home/other/.ssh');
    assert.equal(changeGroup('/root/.cache/x'), '/root/.cache');
  });
  it('compares whole components', () => {
    assert.equal(changeGroup('/home/coder2/.x/y', '/home/coder'), '/home/coder2/.x');
  });
});

describe('summarizeChanges', () => {
  it('summarizes a real engine list: mounts dropped, directories counted only when nothing under them is listed', () => {
    const s = summarizeChanges(ENGINE_LIST, { mounts: ENGINE_MOUNTS, home: '/home/coder' });
    assert.deepEqual(
      s.map((g) => [g.directory, g.added, g.modified, g.deleted]),
      [
        ['/bin/tar', 0, 0, 1],
        ['/etc/passwd', 0, 1, 0],
        ['/home/coder/.ssh', 1, 0, 0],
        ['/workspace', 1, 0, 0],
      ],
    );
    assert.deepEqual(s.find((g) => g.directory === '/home/coder/.ssh')?.examples, ['/home/coder/.ssh/id']);
  });

  it('drops what lies under a mount, and the engine-generated files', () => {
    // `docker run --init` shows `A /sbin` and `A /sbin/docker-init` in docker diff.
    const s = summarizeChanges(
      [
        A('/data/x'),
        A('/data2/y'),
        C('/etc/hosts'),
        C('/etc/hostname'),
        C('/etc/resolv.conf'),
        A('/etc/motd'),
        A('/sbin'),
        A('/sbin/docker-init'),
      ],
      {
        mounts: [vol('/data')],
      },
    );
    assert.deepEqual(
      s.map((g) => g.directory),
      ['/data2/y', '/etc/motd'],
    );
  });

  // Captured from `GET /containers/{id}/changes` on Podman 4.3 (rootful, Docker-compatible API): Podman writes
  // /etc/hosts, /etc/hostname, /etc/resolv.conf and /run/.containerenv into the writable layer when it prepares
  // a container, hides them from the list, but not their directory.
  it("drops Podman's lone modified /etc of a container whose start failed (it stays created)", () => {
    assert.deepEqual(summarizeChanges([C('/etc')], { mounts: [] }), []);
    assert.deepEqual(summarizeChanges([C('/run'), C('/sbin')], { mounts: [] }), []);
  });

  it("drops Podman's /etc and the mount points of a started container (persistence-test-volume, -v named:/named -v /anon -v dir:/bind --tmpfs /tmpfs)", () => {
    const list = [A('/anon'), A('/bind'), A('/data'), C('/etc'), A('/named'), A('/tmpfs')];
    const mounts = ['/anon', '/bind', '/data', '/named', '/tmpfs'].map(vol);
    assert.deepEqual(summarizeChanges(list, { mounts, home: '/home/coder' }), []);
  });

  it("counts what a user writes into /etc beside Podman's files, and Podman's own files never", () => {
    const s = summarizeChanges(
      [C('/etc'), A('/etc/motd'), A('/etc/mtab'), C('/run'), A('/run/.containerenv'), A('/run/secrets'), A('/run/app.pid')],
      { mounts: [] },
    );
    assert.deepEqual(
      s.map((g) => [g.directory, g.added, g.modified]),
      [
        ['/etc/motd', 1, 0],
        ['/run/app.pid', 1, 0],
      ],
    );
  });

  it('still counts a lone modified directory that holds no engine files, and an added /etc', () => {
    assert.deepEqual(
      summarizeChanges([C('/opt'), A('/etc')], { mounts: [] }).map((g) => g.directory),
      ['/etc', '/opt'],
    );
  });

  it('sorts by total, largest first, and keeps up to maxExamples examples', () => {
    const list = [
      C('/home/coder'),
      A('/home/coder/.cache'),
      ...Array.from({ length: 7 }, (_, i) => A(`/home/coder/.cache/f${i}`)),
      A('/home/coder/.npm'),
      A('/home/coder/.npm/a'),
      C('/home/coder/.npm/b'),
      D('/home/coder/.npm/c'),
      A('/var/lib/x/y'),
    ];
    const s = summarizeChanges(list, { mounts: [], home: '/home/coder', maxExamples: 3 });
    assert.deepEqual(
      s.map((g) => [g.directory, g.added + g.modified + g.deleted]),
      [
        ['/home/coder/.cache', 7],
        ['/home/coder/.npm', 3],
        ['/var/lib', 1],
      ],
    );
    assert.equal(s[0]!.examples.length, 3);
    assert.deepEqual(s[1], {
      directory: '/home/coder/.npm',
      added: 1,
      modified: 1,
      deleted: 1,
      examples: ['/home/coder/.npm/a', '/home/coder/.npm/b', '/home/coder/.npm/c'],
    });
  });

  it('tells a directory with listed content from siblings that share its prefix', () => {
    // '/a b' and '/a-c' sort between '/a' and '/a/x'.
    const s = summarizeChanges([A('/opt/a'), A('/opt/a b'), A('/opt/a-c'), A('/opt/a/x')], { mounts: [] });
    assert.deepEqual(s, [
      { directory: '/opt/a', added: 1, modified: 0, deleted: 0, examples: ['/opt/a/x'] },
      { directory: '/opt/a b', added: 1, modified: 0, deleted: 0, examples: ['/opt/a b'] },
      { directory: '/opt/a-c', added: 1, modified: 0, deleted: 0, examples: ['/opt/a-c'] },
    ]);
  });

  it('counts a deleted directory once (the engine does not list its content)', () => {
    const s = summarizeChanges([C('/usr'), C('/usr/share'), D('/usr/share/doc')], { mounts: [] });
    assert.deepEqual(s, [{ directory: '/usr/share', added: 0, modified: 0, deleted: 1, examples: ['/usr/share/doc'] }]);
  });

  it('returns nothing for an empty list (the engine answers null for a container never started)', () => {
    assert.deepEqual(summarizeChanges([], { mounts: [] }), []);
  });
});

describe('existingPathsFromChanges', () => {
  it('holds added and modified paths with their ancestors, not deleted ones', () => {
    const set = existingPathsFromChanges([A('/home/coder/.ssh/id'), C('/etc/passwd'), D('/bin/tar')]);
    assert.deepEqual([...set].sort(), ['/', '/etc', '/etc/passwd', '/home', '/home/coder', '/home/coder/.ssh', '/home/coder/.ssh/id']);
  });
});
