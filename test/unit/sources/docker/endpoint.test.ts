import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { contextDirName, resolveDockerEndpoint } from '../../../../src/sources/docker/endpoint';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fake home with a ~/.docker holding the given config.json and contexts. */
function home(opts: { config?: string; contexts?: Record<string, string>; tls?: Record<string, string[]> } = {}): string {
  const h = mkdtempSync(join(tmpdir(), 'pl-endpoint-'));
  dirs.push(h);
  const docker = join(h, '.docker');
  mkdirSync(docker, { recursive: true });
  if (opts.config !== undefined) writeFileSync(join(docker, 'config.json'), opts.config);
  for (const [name, meta] of Object.entries(opts.contexts ?? {})) {
    const d = join(docker, 'contexts', 'meta', contextDirName(name));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'meta.json'), meta);
  }
  for (const [name, files] of Object.entries(opts.tls ?? {})) {
    const d = join(docker, 'contexts', 'tls', contextDirName(name), 'docker');
    mkdirSync(d, { recursive: true });
    for (const f of files) writeFileSync(join(d, f), `${f} of ${name}`);
  }
  return h;
}

const meta = (name: string, host: string): string =>
  JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } });
const none = (): boolean => false;

describe('resolveDockerEndpoint', () => {
  it('falls back to /var/run/docker.sock', () => {
    const e = resolveDockerEndpoint({ env: {}, homedir: home(), exists: none });
    assert.deepEqual(e, { description: 'unix:///var/run/docker.sock (default)', modemOptions: { socketPath: '/var/run/docker.sock' } });
  });

  it('names the context directory by the SHA-256 of the context name, like the docker CLI', () => {
    assert.equal(contextDirName('foo'), createHash('sha256').update('foo').digest('hex'));
    assert.equal(contextDirName('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

  it('prefers an explicit host over everything', () => {
    const h = home({ config: JSON.stringify({ currentContext: 'remote' }), contexts: { remote: meta('remote', 'tcp://10.0.0.1:2375') } });
    const e = resolveDockerEndpoint({
      host: 'unix:///tmp/x.sock',
      env: { DOCKER_HOST: 'tcp://1.2.3.4:2375' },
      homedir: h,
      exists: () => true,
    });
    assert.deepEqual(e.modemOptions, { socketPath: '/tmp/x.sock' });
    assert.equal(e.description, 'unix:///tmp/x.sock (explicit)');
    assert.deepEqual(resolveDockerEndpoint({ host: '/run/other.sock', env: {}, homedir: h }).modemOptions, {
      socketPath: '/run/other.sock',
    });
  });

  it('reads DOCKER_HOST: unix, tcp, tcp with TLS, ssh', () => {
    const h = home();
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, homedir: h }), {
      description: 'unix:///run/user/1000/docker.sock (DOCKER_HOST)',
      modemOptions: { socketPath: '/run/user/1000/docker.sock' },
    });
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://1.2.3.4:2375' }, homedir: h }), {
      description: 'tcp://1.2.3.4:2375 (DOCKER_HOST)',
      modemOptions: { host: '1.2.3.4', port: 2375, protocol: 'http' },
    });
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://example.org' }, homedir: h }).modemOptions, {
      host: 'example.org',
      port: 2375,
      protocol: 'http',
    });

    const certs = mkdtempSync(join(tmpdir(), 'pl-certs-'));
    dirs.push(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), f);
    const tls = resolveDockerEndpoint({
      env: { DOCKER_HOST: 'tcp://1.2.3.4:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
      homedir: h,
    });
    assert.equal(tls.description, 'tcp://1.2.3.4:2376 (DOCKER_HOST)');
    assert.equal(tls.modemOptions.protocol, 'https');
    assert.equal(tls.modemOptions.port, 2376);
    assert.equal(String(tls.modemOptions.ca), 'ca.pem');
    assert.equal(String(tls.modemOptions.cert), 'cert.pem');
    assert.equal(String(tls.modemOptions.key), 'key.pem');
    // DOCKER_TLS_VERIFY without a port means the TLS port.
    assert.equal(
      resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, homedir: h }).modemOptions
        .port,
      2376,
    );

    const ssh = resolveDockerEndpoint({ env: { DOCKER_HOST: 'ssh://me@build.example:2222', SSH_AUTH_SOCK: '/tmp/agent' }, homedir: h });
    assert.deepEqual(ssh, {
      description: 'ssh://me@build.example:2222 (DOCKER_HOST)',
      modemOptions: { protocol: 'ssh', host: 'build.example', port: 2222, username: 'me', sshOptions: { agent: '/tmp/agent' } },
    });
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'ssh://box' }, homedir: h }).modemOptions, {
      protocol: 'ssh',
      host: 'box',
      port: 22,
    });
  });

  it('names the missing TLS file', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pl-certs-'));
    dirs.push(empty);
    assert.throws(
      () =>
        resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: empty }, homedir: home() }),
      (err: Error) => err.message.includes(join(empty, 'ca.pem')),
    );
  });

  it('rejects an address it cannot use, saying which', () => {
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_HOST: 'fd://' }, homedir: home() }), /DOCKER_HOST.*fd:\/\//);
  });

  it('uses the current context from config.json, and DOCKER_CONTEXT over it', () => {
    const h = home({
      config: JSON.stringify({ auths: {}, currentContext: 'remote' }),
      contexts: {
        remote: meta('remote', 'tcp://10.0.0.1:2375'),
        'desktop-linux': meta('desktop-linux', 'unix:///home/u/.docker/desktop/docker.sock'),
      },
    });
    assert.deepEqual(resolveDockerEndpoint({ env: {}, homedir: h, exists: () => true }), {
      description: "tcp://10.0.0.1:2375 (context 'remote')",
      modemOptions: { host: '10.0.0.1', port: 2375, protocol: 'http' },
    });
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'desktop-linux' }, homedir: h }), {
      description: "unix:///home/u/.docker/desktop/docker.sock (context 'desktop-linux')",
      modemOptions: { socketPath: '/home/u/.docker/desktop/docker.sock' },
    });
    // DOCKER_HOST still wins over a context.
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///x.sock' }, homedir: h }).modemOptions.socketPath, '/x.sock');
  });

  it('reads a context TLS material from contexts/tls', () => {
    const h = home({
      config: JSON.stringify({ currentContext: 'secure' }),
      contexts: { secure: meta('secure', 'tcp://10.0.0.2:2376') },
      tls: { secure: ['ca.pem', 'cert.pem', 'key.pem'] },
    });
    const e = resolveDockerEndpoint({ env: {}, homedir: h });
    assert.equal(e.modemOptions.protocol, 'https');
    assert.equal(String(e.modemOptions.ca), 'ca.pem of secure');
    assert.equal(String(e.modemOptions.key), 'key.pem of secure');
  });

  it("treats the 'default' context as the default socket, even when a Podman socket exists", () => {
    const h = home({ config: JSON.stringify({ currentContext: 'default' }) });
    const e = resolveDockerEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, homedir: h, exists: () => true });
    assert.deepEqual(e.modemOptions, { socketPath: '/var/run/docker.sock' });
    assert.match(e.description, /context 'default'/);
  });

  it('honours DOCKER_CONFIG as the config directory', () => {
    const h = home();
    const cfg = join(h, 'elsewhere');
    mkdirSync(join(cfg, 'contexts', 'meta', contextDirName('x')), { recursive: true });
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ currentContext: 'x' }));
    writeFileSync(join(cfg, 'contexts', 'meta', contextDirName('x'), 'meta.json'), meta('x', 'unix:///x.sock'));
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_CONFIG: cfg }, homedir: h }).modemOptions.socketPath, '/x.sock');
  });

  it('throws an error naming a malformed config.json or meta.json, or a context that does not exist', () => {
    const bad = home({ config: '{ "currentContext": ' });
    assert.throws(
      () => resolveDockerEndpoint({ env: {}, homedir: bad }),
      (err: Error) => err.message.includes(join(bad, '.docker', 'config.json')),
    );

    const badMeta = home({ config: JSON.stringify({ currentContext: 'broken' }), contexts: { broken: 'not json' } });
    const metaFile = join(badMeta, '.docker', 'contexts', 'meta', contextDirName('broken'), 'meta.json');
    assert.throws(
      () => resolveDockerEndpoint({ env: {}, homedir: badMeta }),
      (err: Error) => err.message.includes(metaFile),
    );

    const noHost = home({
      config: JSON.stringify({ currentContext: 'empty' }),
      contexts: { empty: JSON.stringify({ Name: 'empty', Endpoints: {} }) },
    });
    assert.throws(() => resolveDockerEndpoint({ env: {}, homedir: noHost }), /Endpoints\.docker\.Host/);

    const missing = home({ config: JSON.stringify({ currentContext: 'gone' }) });
    assert.throws(() => resolveDockerEndpoint({ env: {}, homedir: missing }), /context 'gone' does not exist/);
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'gone' }, homedir: home() }), /context 'gone'/);
  });

  it('ignores a config.json without currentContext', () => {
    const h = home({ config: JSON.stringify({ auths: { 'ghcr.io': {} } }) });
    assert.equal(resolveDockerEndpoint({ env: {}, homedir: h, exists: none }).modemOptions.socketPath, '/var/run/docker.sock');
  });

  it('finds a Podman socket: rootless first, then the system one', () => {
    const h = home();
    const rootless = '/run/user/1000/podman/podman.sock';
    const both = (p: string): boolean => p === rootless || p === '/run/podman/podman.sock';
    assert.deepEqual(resolveDockerEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, homedir: h, exists: both }), {
      description: `unix://${rootless} (podman socket)`,
      modemOptions: { socketPath: rootless },
    });
    assert.equal(
      resolveDockerEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, homedir: h, exists: (p) => p === '/run/podman/podman.sock' })
        .modemOptions.socketPath,
      '/run/podman/podman.sock',
    );
    // A context beats Podman.
    const withCtx = home({ config: JSON.stringify({ currentContext: 'r' }), contexts: { r: meta('r', 'tcp://h:1') } });
    assert.equal(
      resolveDockerEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, homedir: withCtx, exists: both }).modemOptions.host,
      'h',
    );
  });
});

describe('loading the Docker source', () => {
  it('does not load dockerode until connectDocker is called (the extension activates without it)', () => {
    // a process of its own: in the unit runner's shared process another test file may have loaded dockerode
    const probe = `import(${JSON.stringify(join(__dirname, '../../../../src/sources/docker/index.ts'))}).then(() => {
      const loaded = Object.keys(require.cache).filter((k) => /[\\\\/]node_modules[\\\\/](dockerode|docker-modem|ssh2)[\\\\/]/.test(k));
      process.stdout.write(JSON.stringify(loaded));
    })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', probe], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});
