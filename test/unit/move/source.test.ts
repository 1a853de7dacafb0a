import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { classifyPath, isUnder, mustMove } from '../../../src/move/source';
import { parseGroup, parsePasswd } from '../../../src/move/container-user';
import { composeTargetVolume } from '../../../src/move/target-volume';

type Info = Pick<Dockerode.ContainerInspectInfo, 'Mounts' | 'HostConfig'>;
const info = (
  mounts: Array<{ Type: string; Name?: string; Source?: string; Destination: string }>,
  tmpfs: Record<string, string> = {},
): Info =>
  ({
    Mounts: mounts.map((m) => ({ Source: '', Driver: 'local', Mode: '', RW: true, Propagation: '', ...m })),
    HostConfig: { Tmpfs: tmpfs },
  }) as unknown as Info;
const ANON = 'a'.repeat(64);

describe('where a container path lives', () => {
  it('compares whole path components', () => {
    assert.equal(isUnder('/data2', '/data'), false);
    assert.equal(isUnder('/data/x', '/data'), true);
    assert.equal(isUnder('/x', '/'), true);
  });

  it('takes the longest covering mount, else the writable layer', () => {
    const i = info([
      { Type: 'volume', Name: 'home', Destination: '/home/coder' },
      { Type: 'volume', Name: ANON, Destination: '/home/coder/.cache' },
    ]);
    assert.equal(classifyPath(i, '/home/coder/.cache/x').kind, 'anonymous-volume');
    assert.equal(classifyPath(i, '/home/coder/.ssh').kind, 'named-volume');
    assert.equal(classifyPath(i, '/home/coder2').kind, 'writable-layer');
    assert.equal(mustMove('named-volume'), false);
    assert.equal(mustMove('writable-layer'), true);
  });

  it('finds tmpfs in HostConfig.Tmpfs and in Mounts, and lists mounts nested below the path', () => {
    const i = info(
      [
        { Type: 'tmpfs', Destination: '/run/x' },
        { Type: 'bind', Source: '/host', Destination: '/srv/app/conf/' },
      ],
      { '/cache': 'size=1m' },
    );
    assert.equal(classifyPath(i, '/cache/a').kind, 'tmpfs');
    assert.equal(classifyPath(i, '/run/x').kind, 'tmpfs');
    const s = classifyPath(i, '/srv/app');
    assert.equal(s.kind, 'writable-layer');
    assert.deepEqual(s.nested, ['/srv/app/conf']);
  });
});

describe('the container user', () => {
  it('reads /etc/passwd and /etc/group', () => {
    assert.deepEqual(parsePasswd('root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1001::/home/coder:/bin/sh\n# c\nbad'), [
      { name: 'root', uid: 0, gid: 0 },
      { name: 'coder', uid: 1000, gid: 1001 },
    ]);
    assert.deepEqual(parseGroup('staff:x:50:\n'), [{ name: 'staff', gid: 50 }]);
  });
});

describe('the target volume', () => {
  it('is <project>_<key> with the compose labels, or the top-level name', () => {
    const v = composeTargetVolume('demo', 'app-data', { version: '1.29.2' });
    assert.equal(v.name, 'demo_app-data');
    assert.deepEqual(v.labels, {
      'com.docker.compose.project': 'demo',
      'com.docker.compose.volume': 'app-data',
      'com.docker.compose.version': '1.29.2',
    });
    assert.equal(composeTargetVolume('demo', 'k', { explicitName: 'shared' }).name, 'shared');
  });
});
