/**
 * Issue 13, point 18, the pure parts: which volumes and paths make up a project's set and in which order,
 * the set manifest's checks, where members go back, and the retention of sets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isSetManifest,
  planMembers,
  setsToPrune,
  targetVolumeName,
  type SetContainer,
  type SetManifest,
} from '../../../src/backup/set-plan';
import type { PathReport, TargetReport } from '../../../src/core/types';

const survives = { restart: true, recreate: false, composeUp: false, composeDownVolumes: false, reboot: true };
const path = (p: Partial<PathReport> & Pick<PathReport, 'path' | 'status' | 'criticality'>): PathReport => ({
  readOnly: false,
  category: 'data',
  survives,
  atRisk: p.status !== 'named-volume',
  reason: '',
  origin: 'mount',
  ...p,
});
const target = (name: string, paths: PathReport[]): TargetReport => ({
  kind: 'container',
  name,
  id: `${name}-id`,
  role: 'service',
  roleReason: '',
  paths,
});

const db: SetContainer = {
  name: 'p_db_1',
  id: 'p_db_1-id',
  service: 'db',
  volumes: [
    { name: 'p_dbdata', target: '/var/lib/mysql', key: 'dbdata', anonymous: false },
    { name: 'a'.repeat(64), target: '/data/db', anonymous: true },
  ],
  mountPoints: ['/var/lib/mysql', '/data/db'],
};
const web: SetContainer = {
  name: 'p_web_1',
  id: 'p_web_1-id',
  service: 'web',
  volumes: [
    { name: 'p_webdata', target: '/srv/www', key: 'webdata', anonymous: false },
    { name: 'p_dbdata', target: '/mnt/db', key: 'dbdata', anonymous: false },
  ],
  mountPoints: ['/srv/www', '/mnt/db', '/run/tmp'],
};

describe('planMembers', () => {
  const targets = [
    target('p_db_1', [
      path({ path: '/var/lib/mysql', status: 'named-volume', source: 'p_dbdata', criticality: 'critical', mountPoint: '/var/lib/mysql' }),
      path({ path: '/data/db', status: 'anonymous-volume', criticality: 'high', mountPoint: '/data/db' }),
      path({ path: '/data/db/journal', status: 'anonymous-volume', criticality: 'critical', mountPoint: '/data/db' }),
      path({ path: '/tmp', status: 'writable-layer', criticality: 'none', holdsData: true }),
    ]),
    target('p_web_1', [
      path({ path: '/srv/www', status: 'named-volume', source: 'p_webdata', criticality: 'low', mountPoint: '/srv/www' }),
      path({ path: '/workspace', status: 'writable-layer', criticality: 'critical', holdsData: true, origin: 'writable-layer' }),
      path({ path: '/root/.cache', status: 'writable-layer', criticality: 'low', holdsData: false }),
      path({ path: '/srv/www/cache', status: 'writable-layer', criticality: 'high', holdsData: true }),
      path({ path: '/run/tmp', status: 'tmpfs', criticality: 'medium', mountPoint: '/run/tmp' }),
      path({ path: '/etc/app.conf', status: 'writable-layer', criticality: 'high', holdsData: true, readOnly: true, atRisk: false }),
    ]),
  ];
  const { members, skipped } = planMembers(targets, [db, web], 'p');

  it('takes every named volume once (shared by two services), the at-risk paths that hold data, most critical first', () => {
    assert.deepEqual(
      members.map((m) => `${m.criticality} ${m.kind} ${m.key} ${m.path}`),
      [
        'critical volume dbdata /var/lib/mysql',
        'critical container-path db-data-db /data/db',
        'critical container-path web-workspace /workspace',
        'medium container-path web-run-tmp /run/tmp',
        'low volume webdata /srv/www',
      ],
    );
  });
  it('an inner at-risk path goes with its outer one and lends it its criticality', () => {
    assert.equal(members.filter((m) => m.path.startsWith('/data/db')).length, 1);
    assert.equal(members.find((m) => m.path === '/data/db')!.criticality, 'critical');
  });
  it('skips criticality none, paths under another mount, an empty writable layer path and read-only ones', () => {
    assert.ok(skipped.some((s) => s.startsWith('/tmp of p_db_1')));
    assert.ok(skipped.some((s) => s.startsWith('/srv/www/cache of p_web_1: under the mount /srv/www')));
    assert.ok(!members.some((m) => m.path === '/root/.cache' || m.path === '/etc/app.conf'));
  });
  it('keys are unique and file-name safe', () => {
    const keys = members.map((m) => m.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const k of keys) assert.match(k, /^[A-Za-z0-9._-]+$/);
  });
  it('a volume without a compose label takes its key from the name without the project prefix', () => {
    const c: SetContainer = {
      name: 'x',
      id: 'x-id',
      volumes: [
        { name: 'p_cache', target: '/c', anonymous: false },
        { name: 'shared', target: '/s', anonymous: false },
      ],
      mountPoints: ['/c', '/s'],
    };
    assert.deepEqual(
      planMembers([], [c], 'p')
        .members.map((m) => m.key)
        .sort(),
      ['cache', 'shared'],
    );
  });
});

const member = (archive: string, extra: Record<string, unknown> = {}) => ({
  key: archive.replace(/\W/g, '-'),
  kind: 'volume',
  volume: 'v',
  path: '/d',
  status: 'named-volume',
  criticality: 'high',
  archive,
  sha256: 'a'.repeat(64),
  archiveBytes: 1,
  entries: 1,
  bytes: 0,
  ...extra,
});
const set = (seq: number, archives: string[], project = 'p'): SetManifest => ({
  format: 'persistence-lens-set/1',
  kind: 'project',
  project,
  createdAt: '2026-01-01T00:00:00Z',
  sequence: seq,
  members: archives.map((a) => member(a)) as SetManifest['members'],
});

describe('the set manifest', () => {
  it('accepts ours, refuses members outside the folder, bad digests and unknown formats', () => {
    assert.ok(isSetManifest(set(1, ['a.tar.gz'])));
    assert.ok(!isSetManifest({ ...set(1, []), format: 'x' }));
    assert.ok(!isSetManifest({ ...set(1, []), members: [member('../../etc/x.tar.gz')] }));
    assert.ok(!isSetManifest({ ...set(1, []), members: [member('a.tar.gz', { sha256: 'zz' })] }));
    assert.ok(!isSetManifest({ ...set(1, []), members: [member('a.tar.gz', { key: 'a/b' })] }));
  });
  it('volumes go back under their own names into the same project, as <project>_<key> into another', () => {
    assert.equal(targetVolumeName({ volume: 'p_dbdata', key: 'dbdata' }, { project: 'p' }, 'p'), 'p_dbdata');
    assert.equal(targetVolumeName({ volume: 'p_dbdata', key: 'dbdata' }, { project: 'p' }, 'q'), 'q_dbdata');
  });
});

describe('retention of sets', () => {
  const sets = [
    { file: '/b/p-1.set.json', manifest: set(1, ['a1', 'shared']) },
    { file: '/b/p-2.set.json', manifest: set(2, ['a2', 'shared']) },
    { file: '/b/p-3.set.json', manifest: set(3, ['a3']) },
    { file: '/b/q-1.set.json', manifest: set(1, ['q1', 'a1'], 'q') },
  ];
  it('keeps the newest N of the project; a pruned set takes only the members no kept set names', () => {
    const pruned = setsToPrune(sets, 'project:p', 2);
    assert.deepEqual(
      pruned.map((p) => [p.set.file, p.archives]),
      [['/b/p-1.set.json', []]],
    );
    const pruned1 = setsToPrune(sets, 'project:p', 1);
    assert.deepEqual(
      pruned1.map((p) => [p.set.file, p.archives]),
      [
        ['/b/p-2.set.json', ['a2', 'shared']],
        ['/b/p-1.set.json', ['shared']],
      ],
    );
  });
  it('never prunes the set just made, and 0 keeps all', () => {
    assert.ok(!setsToPrune(sets, 'project:p', 1, '/b/p-1.set.json').some((p) => p.set.file === '/b/p-1.set.json'));
    assert.deepEqual(setsToPrune(sets, 'project:p', 0), []);
  });
});
