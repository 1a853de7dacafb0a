import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { brief as briefOf, mountAt, rejectsWithLocation, writeProject } from '../../helpers/source-checks';
import { analyzeTarget } from '../../../../src/core/analyze';
import type { Mount, TargetInput } from '../../../../src/core/types';
import type { ImageInfo } from '../../../../src/sources/compose/image-info';
import { loadComposeProject, normalizeProjectName } from '../../../../src/sources/compose/project';

const FIX = resolve(__dirname, '../../../fixtures/compose');
const brief = (m: Mount) => briefOf(m, FIX);
const rejects = rejectsWithLocation;
const fx = (...p: string[]): string => join(FIX, ...p);

/** Writes files into a fresh temporary folder and returns it. */
const project = (files: Record<string, string>): string => writeProject(files, 'pl-compose-');

function target(targets: TargetInput[], name: string): TargetInput {
  const t = targets.find((x) => x.name === name);
  assert.ok(t, `no target ${name} in ${targets.map((x) => x.name).join(', ')}`);
  return t;
}

describe('compose: the storage a service declares', () => {
  const load = () => loadComposeProject([fx('basic/compose.yaml')], { env: { FROM_SHELL: 'shell-value' } });

  it('reads every short-syntax form', async () => {
    const app = target((await load()).targets, 'app');
    assert.deepEqual(brief(mountAt(app, '/var/lib/app')), ['named-volume', 'data', false, 'basic/compose.yaml:14:9']);
    assert.deepEqual(brief(mountAt(app, '/srv/app')), ['bind-mount', fx('basic/src'), false, 'basic/compose.yaml:15:9']);
    assert.deepEqual(brief(mountAt(app, '/etc/timezone')), ['bind-mount', '/etc/timezone', true, 'basic/compose.yaml:16:9']);
    assert.deepEqual(brief(mountAt(app, '/home/app/.ssh')), ['bind-mount', join(homedir(), '.ssh'), true, 'basic/compose.yaml:17:9']);
    assert.deepEqual(brief(mountAt(app, '/anon')), ['anonymous-volume', undefined, false, 'basic/compose.yaml:18:9']);
    assert.deepEqual(brief(mountAt(app, '/cache')), ['named-volume', 'my-cache', false, 'basic/compose.yaml:19:9']);
    assert.deepEqual(brief(mountAt(app, '/shared')), ['named-volume', 'shared', false, 'basic/compose.yaml:20:9']);
  });

  it('reads every long-syntax form', async () => {
    const app = target((await load()).targets, 'app');
    assert.deepEqual(brief(mountAt(app, '/var/lib/app/sub')), ['named-volume', 'data', false, 'basic/compose.yaml:22:9']);
    assert.deepEqual(brief(mountAt(app, '/outside')), ['bind-mount', fx('outside'), true, 'basic/compose.yaml:27:9']);
    assert.deepEqual(brief(mountAt(app, '/scratch')), ['tmpfs', undefined, false, 'basic/compose.yaml:33:9']);
    assert.deepEqual(brief(mountAt(app, '/long-anon')), ['anonymous-volume', undefined, true, 'basic/compose.yaml:37:9']);
  });

  it('reads service tmpfs as a list (with options) and as a string', async () => {
    const { targets } = await load();
    const app = target(targets, 'app');
    assert.deepEqual(brief(mountAt(app, '/run')), ['tmpfs', undefined, false, 'basic/compose.yaml:41:9']);
    assert.deepEqual(brief(mountAt(app, '/tmp')), ['tmpfs', undefined, false, 'basic/compose.yaml:42:9']);
    assert.deepEqual(brief(mountAt(target(targets, 'worker'), '/var/cache/worker')), [
      'tmpfs',
      undefined,
      false,
      'basic/compose.yaml:51:12',
    ]);
  });

  it('names a volume as the file declares it, and marks external ones (also the legacy {name} form)', async () => {
    const p = await load();
    const worker = target(p.targets, 'worker');
    assert.deepEqual(mountAt(worker, '/ext'), {
      target: '/ext',
      status: 'named-volume',
      source: 'external-data',
      external: true,
      readOnly: false,
      declaredAt: { file: fx('basic/compose.yaml'), line: 54, column: 9 },
      origin: 'compose volumes',
    });
    assert.equal(mountAt(worker, '/legacy').source, 'old-legacy-volume');
    assert.equal(mountAt(worker, '/legacy').external, true);
    assert.equal(mountAt(target(p.targets, 'app'), '/var/lib/app').external, undefined);
    assert.deepEqual(p.volumes, {
      data: { external: false, declaredAt: { file: fx('basic/compose.yaml'), line: 59, column: 3 } },
      cache: { name: 'my-cache', external: false, declaredAt: { file: fx('basic/compose.yaml'), line: 60, column: 3 } },
      shared: { external: false, declaredAt: { file: fx('basic/compose.yaml'), line: 62, column: 3 } },
      'external-data': { external: true, declaredAt: { file: fx('basic/compose.yaml'), line: 63, column: 3 } },
      legacy: { name: 'old-legacy-volume', external: true, declaredAt: { file: fx('basic/compose.yaml'), line: 65, column: 3 } },
    });
  });

  it('warns, with the location, about a volume not declared at the top level, and still reads it as named', async () => {
    const p = await load();
    assert.deepEqual(brief(mountAt(target(p.targets, 'app'), '/undeclared')), [
      'named-volume',
      'undeclared',
      false,
      'basic/compose.yaml:21:9',
    ]);
    assert.ok(
      p.warnings.some((w) => w.startsWith(`${fx('basic/compose.yaml')}:21:9: service "app" refers to undefined volume undeclared`)),
      p.warnings.join('\n'),
    );
  });

  it('describes each target: kind, name, file, key position, labels, root', async () => {
    const p = await load();
    assert.equal(p.name, 'basic_app');
    assert.deepEqual(
      p.targets.map((t) => [t.kind, t.name, t.id, t.file, t.declaredAt?.line, t.declaredAt?.column, t.rootStatus]),
      [
        ['compose-service', 'app', undefined, fx('basic/compose.yaml'), 4, 3, 'writable-layer'],
        ['compose-service', 'worker', undefined, fx('basic/compose.yaml'), 43, 3, 'writable-layer'],
        ['compose-service', 'db', undefined, fx('basic/compose.yaml'), 55, 3, 'writable-layer'],
      ],
    );
    assert.deepEqual(target(p.targets, 'worker').labels, {
      'com.docker.compose.project': 'basic_app',
      'com.docker.compose.service': 'worker',
    });
    assert.ok(p.warnings.some((w) => w.includes('"Basic_App!"')));
  });

  it('reads image, build, user, working_dir, environment and the home', async () => {
    const { targets } = await load();
    const app = target(targets, 'app');
    assert.equal(app.image, 'ghcr.io/example/app:1.2');
    assert.equal(app.user, 'app');
    assert.equal(app.workingDir, '/srv/app');
    assert.equal(app.home, undefined); // no HOME, no image info: the core guesses from the user and the mounts
    assert.deepEqual(app.env, { MODE: 'dev', EMPTY: '', FROM_SHELL: 'shell-value' });
    const worker = target(targets, 'worker');
    assert.equal(worker.image, undefined);
    assert.equal(worker.user, '1000');
    assert.equal(worker.home, '/home/worker');
    assert.deepEqual(worker.env, { HOME: '/home/worker', COUNT: '3', FLAG: 'true' });
    const db = target(targets, 'db');
    assert.equal(db.user, 'root');
    assert.equal(db.home, '/root');
    assert.deepEqual(db.imageVolumes, []);
  });

  it('keeps, per service, where each volume and tmpfs is written (for the quick fixes)', async () => {
    const p = await load();
    const app = p.services.find((s) => s.name === 'app')!;
    assert.deepEqual(app.declaredAt, { file: fx('basic/compose.yaml'), line: 4, column: 3 });
    assert.equal(app.file, fx('basic/compose.yaml'));
    assert.equal(app.volumes.length, 12);
    assert.deepEqual(app.volumes[0], {
      raw: 'data:/var/lib/app',
      target: '/var/lib/app',
      declaredAt: { file: fx('basic/compose.yaml'), line: 14, column: 9 },
      file: fx('basic/compose.yaml'),
    });
    assert.deepEqual(app.volumes[9]!.raw, {
      type: 'bind',
      source: '../outside',
      target: '/outside',
      read_only: true,
      bind: { create_host_path: true },
    });
    assert.deepEqual(
      app.tmpfs.map((t) => [t.target, t.declaredAt.line]),
      [
        ['/run', 41],
        ['/tmp', 42],
      ],
    );
  });

  it('gives the core what it needs to classify paths', async () => {
    const app = target((await load()).targets, 'app');
    const report = analyzeTarget(app);
    const data = report.paths.find((p) => p.path === '/var/lib/app')!;
    assert.equal(data.status, 'named-volume');
    assert.equal(data.source, 'data');
    assert.deepEqual(data.declaredAt, { file: fx('basic/compose.yaml'), line: 14, column: 9 });
    assert.equal(report.paths.find((p) => p.path === '/anon')!.status, 'anonymous-volume');
  });

  it('reads a read-only root and volumes_from', async () => {
    const dir = project({
      'compose.yaml':
        'services:\n  a:\n    image: x\n    read_only: true\n    volumes:\n      - /shared\n      - ./b:/bind\n    tmpfs: /t\n  b:\n    image: y\n    volumes_from:\n      - a:ro\n      - container:other\n  c:\n    image: z\n    volumes_from: [service:b]\n',
    });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {} });
    assert.equal(target(p.targets, 'a').rootReadOnly, true);
    const b = target(p.targets, 'b');
    assert.equal(b.rootReadOnly, undefined);
    assert.deepEqual(
      b.mounts.map((m) => [m.target, m.status, m.readOnly, m.origin, m.declaredAt?.line]),
      [
        ['/shared', 'anonymous-volume', true, 'volumes_from a', 6],
        ['/bind', 'bind-mount', true, 'volumes_from a', 7],
      ],
    );
    assert.deepEqual(
      target(p.targets, 'c').mounts.map((m) => m.target),
      ['/shared', '/bind'],
    );
    assert.ok(p.warnings.some((w) => w.includes('volumes_from a container (other)')));
  });
});

describe('compose: interpolation', () => {
  it('reads ${VAR} forms, $$, the .env file beside the first file, and lets the shell win', async () => {
    const p = await loadComposeProject([fx('interp/compose.yaml')], { env: { BOTH: 'from-shell', HOST_DIR: '/srv/host' } });
    const app = target(p.targets, 'app');
    assert.equal(app.image, 'docker.io/myimage:latest');
    assert.deepEqual(app.env, {
      PLAIN: 'dotenv-value',
      BRACED: 'dotenv-value',
      SHELL_WINS: 'from-shell',
      NESTED: 'dotenv-value-fallback',
      DOLLARS: 'price: $5 and ${NOT_A_VAR}',
      EMPTY_DASH: '',
      EMPTY_COLON_DASH: 'empty-default',
      PLUS: 'was-set',
      UNSET_VAR: '',
      QUOTED_DOTENV: 'a b # not a comment',
      LITERAL_DOLLAR: 'cost $1',
    });
    assert.deepEqual(brief(mountAt(app, '/data')), ['named-volume', 'fromenv', false, 'interp/compose.yaml:17:9']);
    assert.deepEqual(brief(mountAt(app, '/host')), ['bind-mount', '/srv/host', true, 'interp/compose.yaml:18:9']);
    assert.deepEqual(p.warnings, ['The "NOWHERE" variable is not set. Defaulting to a blank string.']);
    assert.equal(p.name, 'from-dotenv-project'); // COMPOSE_PROJECT_NAME from .env
  });

  it('uses process.env by default', async () => {
    const saved = process.env.PL_TEST_TAG;
    process.env.PL_TEST_TAG = 'from-process';
    try {
      const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: img:${PL_TEST_TAG}\n' });
      assert.equal((await loadComposeProject([join(dir, 'compose.yaml')])).targets[0]!.image, 'img:from-process');
    } finally {
      if (saved === undefined) delete process.env.PL_TEST_TAG;
      else process.env.PL_TEST_TAG = saved;
    }
  });

  it('fails on ${VAR:?err} naming file, line and column', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n',
    });
    await rejects(loadComposeProject([join(dir, 'compose.yaml')], { env: {} }), {
      file: join(dir, 'compose.yaml'),
      line: 5,
      column: 26,
      message: /compose\.yaml:5:26: required variable DB_PASSWORD is missing a value: set DB_PASSWORD$/,
    });
    await rejects(loadComposeProject([join(dir, 'compose.yaml')], { env: { DB_PASSWORD: '' } }), { line: 5 });
    const ok = await loadComposeProject([join(dir, 'compose.yaml')], { env: { DB_PASSWORD: 'x' } });
    assert.equal(ok.targets[0]!.env.POSTGRES_PASSWORD, 'x');
  });

  it('interpolates string values only, never keys', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  ${NAME}:\n    image: "${NAME}"\n    environment:\n      COUNT: 5\n' });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: { NAME: 'x' } });
    assert.deepEqual(
      p.targets.map((t) => [t.name, t.image, t.env.COUNT]),
      [['${NAME}', 'x', '5']],
    );
  });

  it('reads .env from the project directory given, and resolves binds against it', async () => {
    const dir = project({
      'files/compose.yaml': 'services:\n  a:\n    image: a:${TAG}\n    volumes:\n      - ./data:/data\n',
      'root/.env': 'TAG=from-root\n',
    });
    const p = await loadComposeProject([join(dir, 'files/compose.yaml')], { env: {}, projectDirectory: join(dir, 'root') });
    assert.equal(p.targets[0]!.image, 'a:from-root');
    assert.equal(mountAt(p.targets[0]!, '/data').source, join(dir, 'root/data'));
    assert.equal(p.name, 'root');
  });
});

describe('compose: project name', () => {
  const file = (dir: string) => join(dir, 'compose.yaml');
  it('takes -p, then COMPOSE_PROJECT_NAME, then name:, then the directory, normalized', async () => {
    const dir = project({ 'My Project.d/compose.yaml': 'name: From-Name\nservices:\n  a:\n    image: a\n' });
    const f = file(join(dir, 'My Project.d'));
    assert.equal((await loadComposeProject([f], { env: {}, projectName: 'Explicit' })).name, 'explicit');
    assert.equal((await loadComposeProject([f], { env: { COMPOSE_PROJECT_NAME: 'from_env' } })).name, 'from_env');
    assert.equal((await loadComposeProject([f], { env: {} })).name, 'from-name');
    const noName = project({ 'My Project.d/compose.yaml': 'services:\n  a:\n    image: a\n' });
    assert.equal((await loadComposeProject([file(join(noName, 'My Project.d'))], { env: {} })).name, 'myprojectd');
  });

  it('normalizes like compose', () => {
    assert.equal(normalizeProjectName('_My.App-1'), 'myapp-1');
    assert.equal(normalizeProjectName('.devcontainer'), 'devcontainer');
  });
});

describe('compose: several files', () => {
  it('merges compose.override.yml beside a single default-named file', async () => {
    const p = await loadComposeProject([fx('override/compose.yml')], { env: {} });
    assert.deepEqual(p.files, [fx('override/compose.yml'), fx('override/compose.override.yml')]);
    const web = target(p.targets, 'web');
    assert.deepEqual(brief(mountAt(web, '/usr/share/nginx/html')), [
      'bind-mount',
      fx('override/site'),
      true,
      'override/compose.override.yml:4:9',
    ]);
    assert.deepEqual(brief(mountAt(web, '/var/log/nginx')), ['named-volume', 'logs', false, 'override/compose.override.yml:5:9']);
    assert.equal(web.mounts.length, 2);
    assert.equal(web.file, fx('override/compose.yml'));
    assert.deepEqual(p.warnings, []);
  });

  it('does not add the override file when told not to, or when several files are given', async () => {
    const alone = await loadComposeProject([fx('override/compose.yml')], { env: {}, autoOverride: false });
    assert.deepEqual(alone.files, [fx('override/compose.yml')]);
    assert.equal(mountAt(target(alone.targets, 'web'), '/usr/share/nginx/html').status, 'named-volume');
    const dir = project({
      'compose.yaml': 'services:\n  a:\n    image: a\n',
      'docker-compose.override.yml': 'services:\n  a:\n    image: b\n',
      'other.yml': 'services:\n  a:\n    image: c\n',
    });
    assert.equal((await loadComposeProject([join(dir, 'compose.yaml')], { env: {} })).targets[0]!.image, 'b');
    assert.equal((await loadComposeProject([join(dir, 'other.yml')], { env: {} })).targets[0]!.image, 'c');
    assert.equal((await loadComposeProject([join(dir, 'compose.yaml'), join(dir, 'other.yml')], { env: {} })).targets[0]!.image, 'c');
  });

  it('merges -f files in order: volumes by target, environment by key, scalars replaced, !reset and !override', async () => {
    const p = await loadComposeProject([fx('multi/a.yml'), fx('multi/b.yml'), fx('multi/c.yml')], { env: {} });
    assert.deepEqual(p.files, [fx('multi/a.yml'), fx('multi/b.yml'), fx('multi/c.yml')]);
    assert.deepEqual(
      p.targets.map((t) => t.name),
      ['app', 'replaced'],
    );
    const app = target(p.targets, 'app');
    assert.equal(app.image, 'app:2');
    assert.equal(app.user, undefined); // user: !reset in c.yml
    assert.deepEqual(app.env, { A: 'from-a', B: 'from-b', C: 'from-b' });
    assert.deepEqual(app.mounts.map(brief), [
      ['named-volume', 'other', false, 'multi/b.yml:9:9'],
      ['bind-mount', fx('multi/config'), false, 'multi/a.yml:12:9'],
      ['anonymous-volume', undefined, false, 'multi/a.yml:13:9'],
      ['bind-mount', fx('multi/more'), false, 'multi/b.yml:10:9'],
      ['tmpfs', undefined, false, 'multi/a.yml:14:12'],
      ['tmpfs', undefined, false, 'multi/b.yml:12:9'],
    ]);
    assert.deepEqual(app.declaredAt, { file: fx('multi/a.yml'), line: 3, column: 3 });
    const replaced = target(p.targets, 'replaced');
    assert.deepEqual(replaced.mounts.map(brief), [['named-volume', 'xvol', false, 'multi/c.yml:4:9']]);
    assert.equal(replaced.file, fx('multi/b.yml'));
    const model = p.services.find((s) => s.name === 'app')!;
    assert.deepEqual(
      model.volumes.map((v) => `${v.file.slice(FIX.length + 1)}:${v.declaredAt.line}`),
      ['multi/b.yml:9', 'multi/a.yml:12', 'multi/a.yml:13', 'multi/b.yml:10'],
    );
  });
});

describe('compose: merge tags in a single file', () => {
  it('!reset drops a service, a volume, a variable even with nothing to merge with', async () => {
    const dir = project({
      'compose.yaml':
        'services:\n  a:\n    image: a\n    environment:\n      KEEP: "1"\n      DROP: !reset\n  gone: !reset\nvolumes:\n  v: !reset\n',
    });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {} });
    assert.deepEqual(
      p.targets.map((t) => [t.name, t.env]),
      [['a', { KEEP: '1' }]],
    );
    assert.deepEqual(p.volumes, {});
  });
});

describe('compose: extends', () => {
  it('merges the base service, keeping each volume where it is written', async () => {
    const p = await loadComposeProject([fx('extends/compose.yaml')], { env: {} });
    const web = target(p.targets, 'web');
    assert.equal(web.image, 'web:2');
    assert.equal(web.user, 'www-data');
    assert.deepEqual(web.env, { ROLE: 'web', LEVEL: 'base' });
    assert.deepEqual(web.mounts.map(brief), [
      ['bind-mount', fx('extends/base/static'), false, 'extends/base/common.yaml:9:9'],
      ['named-volume', 'webdata', false, 'extends/compose.yaml:9:9'],
      ['named-volume', 'basevol', false, 'extends/base/common.yaml:11:9'],
      ['bind-mount', fx('extends/local'), false, 'extends/compose.yaml:8:9'],
    ]);
    assert.equal(web.file, fx('extends/compose.yaml'));
    assert.deepEqual(web.declaredAt, { file: fx('extends/compose.yaml'), line: 2, column: 3 });
  });

  it('extends a service of the same file, and chains across files relative to each declaring file', async () => {
    const p = await loadComposeProject([fx('extends/compose.yaml')], { env: {} });
    const worker = target(p.targets, 'worker');
    assert.deepEqual(worker.env, { ROLE: 'worker', LEVEL: 'base' });
    assert.equal(worker.mounts.length, 4);
    const deep = target(p.targets, 'deep');
    assert.equal(deep.image, 'deep:1');
    assert.deepEqual(deep.mounts.map(brief), [
      ['bind-mount', fx('extends/base/n2'), false, 'extends/base/level2.yaml:5:9'],
      ['bind-mount', fx('extends/nested/n1'), false, 'extends/nested/level1.yaml:7:9'],
    ]);
  });

  it('refuses cycles, in one file and across files', async () => {
    await rejects(loadComposeProject([fx('cycles/extends-self.yaml')], { env: {} }), {
      file: fx('cycles/extends-self.yaml'),
      message: /extends cycle: a -> b -> a/,
    });
    await rejects(loadComposeProject([fx('cycles/extends-a.yaml')], { env: {} }), { line: 4, column: 7, message: /extends cycle/ });
  });

  it('refuses a missing base service or file, with the location of the extends', async () => {
    const dir = project({
      'a.yaml': 'services:\n  a:\n    extends: nothere\n',
      'b.yaml': 'services:\n  b:\n    extends:\n      file: missing.yaml\n      service: x\n',
      'c.yaml': 'services:\n  c:\n    extends:\n      file: a.yaml\n      service: zz\n',
      'd.yaml': 'services:\n  d:\n    extends:\n      file: https://example.com/compose.yaml\n      service: x\n',
    });
    await rejects(loadComposeProject([join(dir, 'a.yaml')], { env: {} }), { line: 3, column: 14, message: /service "nothere" not found/ });
    await rejects(loadComposeProject([join(dir, 'b.yaml')], { env: {} }), { line: 4, column: 7, message: /missing\.yaml: no such file/ });
    await rejects(loadComposeProject([join(dir, 'c.yaml')], { env: {} }), { line: 4, message: /service "zz" not found/ });
    await rejects(loadComposeProject([join(dir, 'd.yaml')], { env: {} }), { line: 4, message: /remote resource/ });
  });
});

describe('compose: include', () => {
  it('imports included services with paths relative to each included file and its own .env', async () => {
    const p = await loadComposeProject([fx('include/compose.yaml')], { env: {} });
    assert.deepEqual(
      p.targets.map((t) => [t.name, t.file?.slice(FIX.length + 1), t.declaredAt?.line, t.image]),
      [
        ['main', 'include/compose.yaml', 6, 'main'],
        ['subsvc', 'include/sub/compose.yaml', 2, 'sub:from-sub-env'],
        ['otherservice', 'include/other/compose.yaml', 2, 'other:v9'],
      ],
    );
    assert.deepEqual(target(p.targets, 'subsvc').mounts.map(brief), [
      ['bind-mount', fx('include/sub/data'), false, 'include/sub/compose.yaml:5:9'],
      ['named-volume', 'sub-volume', false, 'include/sub/compose.yaml:6:9'],
    ]);
    assert.deepEqual(target(p.targets, 'otherservice').mounts.map(brief), [
      ['bind-mount', fx('include/other/b-data'), false, 'include/other/base.yaml:4:9'],
    ]);
    assert.deepEqual(mountAt(target(p.targets, 'main'), '/data').source, fx('include/main-data'));
    assert.deepEqual(p.volumes, {
      subvol: { name: 'sub-volume', external: false, declaredAt: { file: fx('include/sub/compose.yaml'), line: 8, column: 3 } },
    });
    assert.equal(p.services.find((s) => s.name === 'subsvc')!.file, fx('include/sub/compose.yaml'));
  });

  it("lets the including project's variables win over the included .env", async () => {
    const p = await loadComposeProject([fx('include/compose.yaml')], { env: { SUB_TAG: 'from-shell' } });
    assert.equal(target(p.targets, 'subsvc').image, 'sub:from-shell');
  });

  it('refuses an include cycle with the location of the include', async () => {
    await rejects(loadComposeProject([fx('cycles/include-a.yaml')], { env: {} }), {
      file: fx('cycles/include-b.yaml'),
      line: 2,
      column: 11,
      message: /include cycle: include-a\.yaml -> include-b\.yaml -> include-a\.yaml/,
    });
    const self = project({ 'compose.yaml': 'include:\n  - compose.yaml\nservices:\n  a:\n    image: a\n' });
    await rejects(loadComposeProject([join(self, 'compose.yaml')], { env: {} }), { line: 2, column: 5, message: /include cycle/ });
  });

  it('refuses a conflicting imported service, a missing file, a bad entry', async () => {
    const dir = project({
      'conflict.yaml': 'include:\n  - sub.yaml\nservices:\n  s:\n    image: mine\n',
      'same.yaml': 'include:\n  - sub.yaml\nservices:\n  s:\n    image: theirs\n',
      'sub.yaml': 'services:\n  s:\n    image: theirs\n',
      'missing.yaml': 'include:\n  - path: nope.yaml\n',
      'bad.yaml': 'include:\n  - 42\n',
      'notalist.yaml': 'include: sub.yaml\n',
    });
    await rejects(loadComposeProject([join(dir, 'conflict.yaml')], { env: {} }), { line: 4, column: 3, message: /services\.s conflicts/ });
    assert.equal((await loadComposeProject([join(dir, 'same.yaml')], { env: {} })).targets.length, 1);
    await rejects(loadComposeProject([join(dir, 'missing.yaml')], { env: {} }), {
      line: 2,
      column: 11,
      message: /nope\.yaml: no such file/,
    });
    await rejects(loadComposeProject([join(dir, 'bad.yaml')], { env: {} }), { line: 2, column: 5 });
    await rejects(loadComposeProject([join(dir, 'notalist.yaml')], { env: {} }), {
      line: 1,
      column: 10,
      message: /include must be a list/,
    });
  });
});

describe('compose: image information', () => {
  const dir = project({
    'compose.yaml':
      'services:\n  plain:\n    image: img:1\n  asuser:\n    image: img:1\n    user: dev\n  root:\n    image: img:1\n    user: "0:0"\n  home:\n    image: img:1\n    environment:\n      HOME: /custom\n  other:\n    image: other\n  built:\n    build: .\n  failing:\n    image: broken\n',
  });
  const info: Record<string, ImageInfo> = {
    'img:1': {
      user: 'dev',
      home: '/home/devhome',
      env: { PATH: '/bin', XDG_DATA_HOME: '/data/xdg' },
      volumes: ['/var/lib/img'],
      workingDir: '/app',
    },
    other: { user: '' },
  };
  const calls: string[] = [];
  const lookup = async (image: string): Promise<ImageInfo | undefined> => {
    calls.push(image);
    if (image === 'broken') throw new Error('registry unreachable');
    return info[image];
  };

  it('takes home, user, env, volumes and working dir from the image, once per image', async () => {
    calls.length = 0;
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {}, imageInfo: lookup });
    assert.deepEqual([...calls].sort(), ['broken', 'img:1', 'other']);
    const plain = target(p.targets, 'plain');
    assert.deepEqual([plain.user, plain.home, plain.workingDir, plain.imageVolumes], ['dev', '/home/devhome', '/app', ['/var/lib/img']]);
    assert.deepEqual(plain.env, { PATH: '/bin', XDG_DATA_HOME: '/data/xdg' });
    assert.deepEqual([target(p.targets, 'asuser').user, target(p.targets, 'asuser').home], ['dev', '/home/devhome']);
    assert.deepEqual([target(p.targets, 'root').user, target(p.targets, 'root').home], ['0', '/root']);
    assert.equal(target(p.targets, 'home').home, '/custom');
    assert.deepEqual([target(p.targets, 'other').user, target(p.targets, 'other').home], ['root', '/root']);
    assert.deepEqual([target(p.targets, 'built').image, target(p.targets, 'built').home], [undefined, undefined]);
    assert.ok(p.warnings.some((w) => w === 'could not read image broken: registry unreachable'));
  });

  it('derives the home from the image user when the image gives none', async () => {
    const d = project({ 'compose.yaml': 'services:\n  a:\n    image: named\n  b:\n    image: named\n    user: someone\n' });
    const p = await loadComposeProject([join(d, 'compose.yaml')], { env: {}, imageInfo: async () => ({ user: 'node:node' }) });
    assert.deepEqual([target(p.targets, 'a').user, target(p.targets, 'a').home], ['node', '/home/node']);
    // Another user than the image's: left to the core's guess (it knows /home/<user> and the mounts).
    assert.deepEqual([target(p.targets, 'b').user, target(p.targets, 'b').home], ['someone', undefined]);
  });
});

describe('compose: refused input', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['malformed YAML', 'services:\n  a:\n    image: [x\n', 4, 1, /invalid YAML/],
    ['services not a mapping', 'services:\n  - a\n', 2, 3, /services must be a mapping/],
    ['a service not a mapping', 'services:\n  a: 5\n', 2, 6, /service "a" must be a mapping/],
    ['volumes not a list', 'services:\n  a:\n    volumes: /data\n', 3, 14, /services\.a\.volumes must be a list/],
    ['volumes a mapping', 'services:\n  a:\n    volumes:\n      x: /data\n', 4, 7, /must be a list/],
    [
      'a volume entry that is a number',
      'services:\n  a:\n    volumes:\n      - 42\n',
      4,
      9,
      /a volume entry must be a string or a mapping, not a number/,
    ],
    ['a volume entry that is null', 'services:\n  a:\n    volumes:\n      -\n', 4, 8, /not null/],
    ['a relative target', 'services:\n  a:\n    volumes:\n      - data:data\n', 4, 9, /must be an absolute container path/],
    [
      'an unknown long type',
      'services:\n  a:\n    volumes:\n      - type: magic\n        target: /x\n',
      4,
      15,
      /unknown volume type "magic"/,
    ],
    ['tmpfs a mapping', 'services:\n  a:\n    tmpfs:\n      a: b\n', 4, 7, /tmpfs must be a string or a list/],
    ['environment a string', 'services:\n  a:\n    environment: A=b\n', 3, 18, /environment must be a mapping or a list/],
    [
      'environment entry a mapping',
      'services:\n  a:\n    environment:\n      A:\n        b: c\n',
      5,
      9,
      /environment variable A must be a string/,
    ],
    ['user a list', 'services:\n  a:\n    user: [a]\n', 3, 11, /services\.a\.user must be a string/],
    ['image a mapping', 'services:\n  a:\n    image: {a: b}\n', 3, 12, /image must be a string/],
    ['top-level volumes a list', 'volumes:\n  - a\nservices:\n  a:\n    image: x\n', 2, 3, /volumes must be a mapping/],
    ['external not a boolean', 'volumes:\n  v:\n    external: perhaps\nservices: {}\n', 3, 15, /external must be a boolean/],
    ['top level a list', '- a\n', 1, 1, /top level of a compose file must be a mapping/],
    ['bad interpolation', 'services:\n  a:\n    image: ${A B}\n', 3, 12, /invalid interpolation format/],
    ['bad env_file', 'services:\n  a:\n    env_file:\n      - path: {x: 1}\n', 4, 15, /env_file must be a string/],
  ];
  for (const [name, text, line, column, message] of cases) {
    it(`${name}: an InputError at ${line}:${column}`, async () => {
      const dir = project({ 'compose.yaml': text });
      await rejects(loadComposeProject([join(dir, 'compose.yaml')], { env: {} }), {
        file: join(dir, 'compose.yaml'),
        line,
        column,
        message,
      });
    });
  }

  it('a missing file: an InputError naming it', async () => {
    await rejects(loadComposeProject(['/nonexistent/compose.yaml'], { env: {} }), {
      message: /\/nonexistent\/compose\.yaml: no such file/,
    });
    await rejects(loadComposeProject([], { env: {} }), { message: /no compose file/ });
  });

  it('soft problems are warnings: an empty service, a missing env_file, no services', async () => {
    const dir = project({
      'compose.yaml':
        'services:\n  empty:\n  a:\n    image: x\n    env_file:\n      - missing.env\n      - path: optional.env\n        required: false\n      - vars.env\n',
      'vars.env': 'V=1\n',
    });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {} });
    assert.deepEqual(target(p.targets, 'a').env, { V: '1' });
    assert.equal(p.warnings.length, 2, p.warnings.join('\n'));
    assert.match(p.warnings[0]!, /compose\.yaml:2:3: service "empty" is empty/);
    assert.match(p.warnings[1]!, /compose\.yaml:6:9: env file .*missing\.env not found/);
    const none = project({ 'compose.yaml': '# nothing yet\n' });
    const q = await loadComposeProject([join(none, 'compose.yaml')], { env: {} });
    assert.deepEqual(q.targets, []);
    assert.match(q.warnings[0]!, /no services defined/);
  });

  it('env_file values come before environment, which wins', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  a:\n    image: x\n    env_file: vars.env\n    environment:\n      B: from-environment\n',
      'vars.env': 'A=from-file\nB=from-file\n',
    });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {} });
    assert.deepEqual(p.targets[0]!.env, { A: 'from-file', B: 'from-environment' });
  });
});

describe('compose: speed', () => {
  it('loads 500 services with 10 volumes each', async () => {
    let y = 'services:\n';
    for (let s = 0; s < 500; s++) {
      y += `  svc${s}:\n    image: postgres:16\n    environment:\n      PGDATA: \${PGDATA:-/var/lib/postgresql/data}\n    volumes:\n`;
      for (let v = 0; v < 10; v++)
        y +=
          v % 3 === 0
            ? `      - type: bind\n        source: ./d${v}\n        target: /b/${v}\n`
            : `      - vol${v}:/data/${v}${v % 2 ? ':ro' : ''}\n`;
    }
    y += 'volumes:\n';
    for (let v = 0; v < 10; v++) y += `  vol${v}:\n`;
    const dir = project({ 'compose.yaml': y });
    const p = await loadComposeProject([join(dir, 'compose.yaml')], { env: {} });
    assert.equal(p.targets.length, 500);
    assert.ok(p.targets.every((t) => t.mounts.length === 10));
    assert.deepEqual(p.warnings, []);
  });
});
