import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { bindDestination, createOptionsFor } from '../../../src/move/container-recreate-config';

const ID = 'eccf8cee98c3' + '0'.repeat(52);
const ANON = 'a'.repeat(64);
const ANON2 = 'b'.repeat(64);

/** Shaped like `GET /containers/{id}/json` on Engine 20.10 for `docker run -v keep:/keep -v /anon --mount type=volume,target=/m --tmpfs /t --network net --network-alias al1 -p 127.0.0.1:0:80`. */
function inspected(
  over: { HostConfig?: Record<string, unknown>; Config?: Record<string, unknown>; Networks?: Record<string, unknown> } = {},
): Dockerode.ContainerInspectInfo {
  return {
    Id: ID,
    Name: '/app',
    Image: 'sha256:e73189f6',
    Config: {
      Hostname: 'eccf8cee98c3',
      User: '1000',
      Env: ['A=1'],
      Cmd: ['sleep', '86400'],
      Image: 'persistence-test:latest',
      Volumes: { '/anon': {}, '/m': {} },
      WorkingDir: '/w',
      Entrypoint: null,
      Labels: { k: 'v' },
      ExposedPorts: { '80/tcp': {} },
      ...over.Config,
    },
    HostConfig: {
      Binds: ['keep:/keep', '/host/dir:/h:ro'],
      Mounts: [{ Type: 'volume', Target: '/m' }],
      ContainerIDFile: '/tmp/cid',
      NetworkMode: 'net',
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Tmpfs: { '/t': '' },
      CapAdd: ['NET_ADMIN'],
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
      Links: null,
      ...over.HostConfig,
    },
    Mounts: [
      {
        Type: 'volume',
        Name: 'keep',
        Source: '/var/lib/docker/volumes/keep/_data',
        Destination: '/keep',
        Driver: 'local',
        Mode: 'z',
        RW: true,
        Propagation: '',
      },
      { Type: 'bind', Source: '/host/dir', Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      {
        Type: 'volume',
        Name: ANON,
        Source: `/var/lib/docker/volumes/${ANON}/_data`,
        Destination: '/anon',
        Driver: 'local',
        Mode: '',
        RW: true,
        Propagation: '',
      },
      {
        Type: 'volume',
        Name: ANON2,
        Source: `/var/lib/docker/volumes/${ANON2}/_data`,
        Destination: '/m',
        Driver: 'local',
        Mode: '',
        RW: true,
        Propagation: '',
      },
    ],
    NetworkSettings: {
      Networks: over.Networks ?? {
        net: { Aliases: ['al1', 'eccf8cee98c3'], NetworkID: 'n1'.padEnd(64, '1'), IPAMConfig: null, Links: null, DriverOpts: null },
        other: { Aliases: ['al2', 'eccf8cee98c3'], NetworkID: 'n2'.padEnd(64, '2'), IPAMConfig: { IPv4Address: '10.9.0.9' } },
      },
    },
    State: { Running: true },
  } as unknown as Dockerode.ContainerInspectInfo;
}

const NEW = { Type: 'volume' as const, Source: 'moved', Target: '/data' };

describe('createOptionsFor: the create request that makes the container again', () => {
  it('keeps the configuration and every HostConfig field, and adds the mount', () => {
    const { create } = createOptionsFor(inspected(), 'persistence-test:latest', NEW);
    assert.equal(create.Image, 'persistence-test:latest');
    assert.deepEqual(create.Env, ['A=1']);
    assert.deepEqual(create.Labels, { k: 'v' });
    assert.equal(create.User, '1000');
    assert.equal(create.WorkingDir, '/w');
    assert.equal(create.Hostname, 'eccf8cee98c3');
    const host = create.HostConfig!;
    assert.deepEqual(host.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] });
    assert.deepEqual(host.RestartPolicy, { Name: 'unless-stopped', MaximumRetryCount: 0 });
    assert.deepEqual(host.CapAdd, ['NET_ADMIN']);
    assert.equal(host.Devices?.length, 1);
    assert.deepEqual(host.Tmpfs, { '/t': '' });
    assert.equal(host.ContainerIDFile, '', 'the id file of the first create is not written again');
    assert.deepEqual(host.Mounts?.at(-1), { Type: 'volume', Source: 'moved', Target: '/data' });
  });

  it('re-attaches anonymous volumes by name: -v /anon as a bind of its name, --mount without a source given its name', () => {
    const host = createOptionsFor(inspected(), 'img', NEW).create.HostConfig!;
    assert.deepEqual(host.Binds, ['keep:/keep', '/host/dir:/h:ro', `${ANON}:/anon`]);
    assert.deepEqual(host.Mounts?.[0], { Type: 'volume', Target: '/m', Source: ANON2 });
  });

  it('replaces whatever was at the new mount target: a bind, a --mount, a tmpfs, an anonymous volume', () => {
    for (const target of ['/keep', '/m', '/t', '/anon']) {
      const host = createOptionsFor(inspected(), 'img', { Type: 'bind', Source: '/srv/x', Target: target }).create.HostConfig!;
      const targets = [
        ...(host.Binds ?? []).map(bindDestination),
        ...(host.Mounts ?? []).map((m) => m.Target),
        ...Object.keys(host.Tmpfs ?? {}),
      ];
      assert.deepEqual(
        targets.filter((t) => t === target),
        [target],
        `${target} once: ${JSON.stringify(targets)}`,
      );
      assert.deepEqual(host.Mounts?.at(-1), { Type: 'bind', Source: '/srv/x', Target: target });
    }
  });

  it('gives the primary network at create with its aliases (not the old short id) and connects the others after', () => {
    const { create, extraNetworks } = createOptionsFor(inspected(), 'img', NEW);
    assert.deepEqual(create.NetworkingConfig, { EndpointsConfig: { net: { Aliases: ['al1'] } } });
    assert.deepEqual(extraNetworks, [['other', { Aliases: ['al2'], IPAMConfig: { IPv4Address: '10.9.0.9' } }]]);
  });

  it('gives the default bridge no endpoint settings (the engine refuses aliases there)', () => {
    const { create, extraNetworks } = createOptionsFor(
      inspected({ HostConfig: { NetworkMode: 'default' }, Networks: { bridge: { Aliases: null, NetworkID: 'x' } } }),
      'img',
      NEW,
    );
    assert.deepEqual(create.NetworkingConfig, { EndpointsConfig: { bridge: {} } });
    assert.deepEqual(extraNetworks, []);
  });

  it("drops what the engine refuses with the host's or another container's network", () => {
    const host = createOptionsFor(inspected({ HostConfig: { NetworkMode: 'host' }, Networks: { host: {} } }), 'img', NEW).create;
    assert.equal(host.Hostname, undefined);
    assert.equal(host.NetworkingConfig, undefined);
    assert.ok(host.HostConfig?.PortBindings, 'ports are kept with the host network (the engine ignores them)');
    const shared = createOptionsFor(
      inspected({ HostConfig: { NetworkMode: `container:${'c'.repeat(64)}` }, Networks: {} }),
      'img',
      NEW,
    ).create;
    assert.equal(shared.Hostname, undefined);
    assert.equal(shared.ExposedPorts, undefined);
    assert.equal(shared.HostConfig?.PortBindings, undefined);
  });

  it('writes legacy links back in the form create takes', () => {
    const host = createOptionsFor(inspected({ HostConfig: { Links: ['/db:/app/database'] } }), 'img', NEW).create.HostConfig!;
    assert.deepEqual(host.Links, ['db:database']);
  });
});
