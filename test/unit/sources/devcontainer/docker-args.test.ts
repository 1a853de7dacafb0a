import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boundDevice,
  isReadOnlyRootFlag,
  parseMountString,
  storageFlagAt,
  tmpfsTarget,
} from '../../../../src/sources/devcontainer/docker-args';

describe('docker run --mount syntax', () => {
  it('reads docker run --mount strings with their aliases', () => {
    assert.deepEqual(parseMountString('source=vol,target=/data,type=volume'), {
      type: 'volume',
      source: 'vol',
      target: '/data',
      readOnly: false,
    });
    assert.deepEqual(parseMountString('src=/h,dst=/c,type=bind,readonly'), { type: 'bind', source: '/h', target: '/c', readOnly: true });
    assert.deepEqual(parseMountString('type=bind,source=/h,destination=/c,ro=true,consistency=cached'), {
      type: 'bind',
      source: '/h',
      target: '/c',
      readOnly: true,
    });
    assert.deepEqual(parseMountString('target=/anon'), { type: 'volume', target: '/anon', readOnly: false });
    assert.deepEqual(parseMountString('type=tmpfs,dst=/t,tmpfs-size=64m'), { type: 'tmpfs', target: '/t', readOnly: false });
    assert.deepEqual(parseMountString('"source=a,b",target=/x'), { type: 'volume', source: 'a,b', target: '/x', readOnly: false });
    assert.deepEqual(parseMountString('source=v,target=/x,readonly=false'), { type: 'volume', source: 'v', target: '/x', readOnly: false });
  });

  it('reads CSV quoting: a doubled quote inside quotes is one quote; fields trimmed, keys case-blind', () => {
    assert.deepEqual(parseMountString('"source=a""b",target=/x'), { type: 'volume', source: 'a"b', target: '/x', readOnly: false });
    assert.deepEqual(parseMountString(' Type = BIND ,SRC=/h, Target=/c ,'), { type: 'bind', source: '/h', target: '/c', readOnly: false });
  });

  it('keeps the volume driver options', () => {
    assert.deepEqual(parseMountString('source=v,target=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/srv/v'), {
      type: 'volume',
      source: 'v',
      target: '/x',
      readOnly: false,
      volumeOpts: { type: 'none', o: 'bind', device: '/srv/v' },
    });
  });

  it('refuses malformed mount strings', () => {
    assert.equal(typeof parseMountString('source=v,target=/x,readonly=maybe'), 'string');
    assert.equal(typeof parseMountString('source=v,target=/x,bogus'), 'string');
    assert.equal(typeof parseMountString('"source=v'), 'string');
    assert.equal(parseMountString('source=v,target=/x,volume-opt'), 'invalid field "volume-opt": it must be a key=value pair');
  });
});

describe('a local-driver volume that binds a host path', () => {
  it('is a bind with o=bind (or rbind) or type=none and a device', () => {
    assert.equal(boundDevice({ o: 'bind', device: '/srv/a' }), '/srv/a');
    assert.equal(boundDevice({ o: 'rw, rbind', device: '/srv/a' }), '/srv/a');
    assert.equal(boundDevice({ type: 'none', device: '/srv/a' }), '/srv/a');
  });

  it('is not without a device, or with another file system', () => {
    assert.equal(boundDevice(undefined), undefined);
    assert.equal(boundDevice({ o: 'bind' }), undefined);
    assert.equal(boundDevice({ type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' }), undefined);
  });
});

describe('docker run storage flags in runArgs', () => {
  it('takes the value after =, joined to -v, or from the next argument', () => {
    assert.deepEqual(storageFlagAt(['--volume=data:/data'], 0), { flag: '--volume', value: 'data:/data', valueAt: 0 });
    assert.deepEqual(storageFlagAt(['-vdata:/data'], 0), { flag: '-v', value: 'data:/data', valueAt: 0 });
    assert.deepEqual(storageFlagAt(['--init', '--mount', 'type=tmpfs,dst=/t'], 1), {
      flag: '--mount',
      value: 'type=tmpfs,dst=/t',
      valueAt: 2,
    });
    assert.deepEqual(storageFlagAt(['--tmpfs', ''], 0), { flag: '--tmpfs', value: '', valueAt: 1 });
  });

  it('is no storage flag for other flags, and none without its value', () => {
    assert.equal(storageFlagAt(['--volumes-from', 'x'], 0), undefined);
    assert.equal(storageFlagAt(['--cap-add=SYS_ADMIN'], 0), undefined);
    assert.equal(storageFlagAt(['-v'], 0), undefined, 'the last argument');
    assert.equal(storageFlagAt(['-v', undefined], 0), undefined, 'the next argument is no string');
    assert.equal(storageFlagAt([undefined], 0), undefined);
  });

  it('knows --read-only and a --tmpfs target', () => {
    assert.ok(isReadOnlyRootFlag('--read-only'));
    assert.ok(isReadOnlyRootFlag('--read-only=true'));
    assert.ok(!isReadOnlyRootFlag('--read-only=false'));
    assert.equal(tmpfsTarget('/run:size=64m,mode=1777'), '/run');
    assert.equal(tmpfsTarget('/run'), '/run');
  });
});
