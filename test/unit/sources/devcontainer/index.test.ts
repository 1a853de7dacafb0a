import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { brief as briefOf, mountAt, rejectsWithLocation, writeProject } from '../../helpers/source-checks';
import { analyzeTarget } from '../../../../src/core/analyze';
import type { Mount } from '../../../../src/core/types';
import { loadDevcontainer } from '../../../../src/sources/devcontainer/index';

const FIX = resolve(__dirname, '../../../fixtures/devcontainer');
const brief = (m: Mount) => briefOf(m, FIX);
const rejects = rejectsWithLocation;
const fx = (...p: string[]): string => join(FIX, ...p);

/** Writes files into a fresh temporary folder and returns it. */
const project = (files: Record<string, string>): string => writeProject(files, 'pl-devc-');

describe('devcontainer.json: an image-based dev container', () => {
  const load = () => loadDevcontainer(fx('image/.devcontainer/devcontainer.json'), { env: { HOME: '/home/tester' } });

  it('reads JSONC with comments and trailing commas', async () => {
    const r = await load();
    assert.equal(r.targets.length, 1);
    assert.equal(r.compose, undefined);
    assert.deepEqual(r.warnings, []);
  });

  it('reads every mount, each where it is written', async () => {
    const t = (await load()).targets[0]!;
    assert.deepEqual(brief(mountAt(t, '/work/image')), ['bind-mount', fx('image'), false, 'image/.devcontainer/devcontainer.json:6:21']);
    assert.deepEqual(brief(mountAt(t, '/commandhistory')), [
      'named-volume',
      'shell-history-${devcontainerId}',
      false,
      'image/.devcontainer/devcontainer.json:9:5',
    ]);
    assert.deepEqual(brief(mountAt(t, '/home/dev/.aws')), [
      'bind-mount',
      '/home/tester/.aws',
      true,
      'image/.devcontainer/devcontainer.json:10:5',
    ]);
    assert.deepEqual(brief(mountAt(t, '/home/dev/.cache')), ['tmpfs', undefined, false, 'image/.devcontainer/devcontainer.json:11:5']);
    assert.deepEqual(brief(mountAt(t, '/anon-mount')), [
      'anonymous-volume',
      undefined,
      false,
      'image/.devcontainer/devcontainer.json:12:5',
    ]);
    assert.deepEqual(brief(mountAt(t, '/work/image/node_modules')), [
      'named-volume',
      'node-modules',
      false,
      'image/.devcontainer/devcontainer.json:13:5',
    ]);
    assert.deepEqual(brief(mountAt(t, '/opt/shared')), ['bind-mount', '/opt/default', false, 'image/.devcontainer/devcontainer.json:14:5']);
    assert.equal(t.mounts.length, 7);
  });

  it('reads the target: name, image, workspace folder, user, home, environment, labels', async () => {
    const t = (await load()).targets[0]!;
    assert.equal(t.kind, 'devcontainer');
    assert.equal(t.name, 'Image dev container');
    assert.equal(t.id, undefined);
    assert.equal(t.file, fx('image/.devcontainer/devcontainer.json'));
    assert.deepEqual(t.declaredAt, { file: fx('image/.devcontainer/devcontainer.json'), line: 2, column: 1 });
    assert.equal(t.image, 'mcr.microsoft.com/devcontainers/base:bookworm');
    assert.equal(t.workingDir, '/work/image');
    assert.equal(t.user, 'dev');
    assert.equal(t.home, '/home/dev');
    assert.equal(t.rootStatus, 'writable-layer');
    // remoteEnv over containerEnv; null unsets; ${containerEnv:...} reads containerEnv.
    assert.deepEqual(t.env, { WORKSPACE: '/work/image', PATH_EXTRA: '/home/dev/.config/bin' });
    assert.deepEqual(t.labels, {
      'devcontainer.local_folder': fx('image'),
      'devcontainer.config_file': fx('image/.devcontainer/devcontainer.json'),
    });
  });

  it('says where the image and each variable are written (remoteEnv over containerEnv), for diagnostics', async () => {
    const file = fx('image/.devcontainer/devcontainer.json');
    const { model } = await load();
    assert.deepEqual(model.imageAt, { file, line: 4, column: 3 });
    assert.deepEqual(model.environmentAt, {
      XDG_CONFIG_HOME: { file, line: 22, column: 5 },
      WORKSPACE: { file, line: 18, column: 5 },
      PATH_EXTRA: { file, line: 21, column: 5 },
    });
  });

  it('honours localWorkspaceFolder', async () => {
    const t = (await loadDevcontainer(fx('image/.devcontainer/devcontainer.json'), { env: {}, localWorkspaceFolder: '/src/proj' }))
      .targets[0]!;
    assert.deepEqual(brief(mountAt(t, '/work/proj')).slice(0, 2), ['bind-mount', '/src/proj']);
    assert.equal(t.workingDir, '/work/proj');
  });

  it('analyzes: the workspace is a bind, the cache a tmpfs', async () => {
    const report = analyzeTarget((await load()).targets[0]!);
    assert.equal(report.paths.find((p) => p.path === '/work/image')!.status, 'bind-mount');
    assert.equal(report.paths.find((p) => p.path === '/home/dev/.cache')!.status, 'tmpfs');
  });
});

describe('devcontainer.json: defaults', () => {
  it('mounts the workspace at /workspaces/<folder>, names it after the folder, and a build has no image', async () => {
    const t = (await loadDevcontainer(fx('default/.devcontainer.json'), { env: {} })).targets[0]!;
    assert.equal(t.name, 'default');
    assert.equal(t.image, undefined);
    assert.equal(t.workingDir, '/workspaces/default');
    assert.deepEqual(t.mounts, [
      {
        target: '/workspaces/default',
        status: 'bind-mount',
        source: fx('default'),
        readOnly: false,
        origin: 'devcontainer default workspace mount',
      },
    ]);
    assert.deepEqual([t.user, t.home], ['root', '/root']);
  });

  it('takes the subfolder name for .devcontainer/<name>/devcontainer.json, and its workspace above .devcontainer', async () => {
    const t = (await loadDevcontainer(fx('multi/.devcontainer/python/devcontainer.json'), { env: {} })).targets[0]!;
    assert.equal(t.name, 'python');
    assert.equal(t.image, 'python:latest');
    assert.equal(mountAt(t, '/workspaces/multi').source, fx('multi'));
    const unnamed = project({ '.devcontainer/go/devcontainer.json': '{"image": "go"}' });
    assert.equal((await loadDevcontainer(join(unnamed, '.devcontainer/go/devcontainer.json'), { env: {} })).targets[0]!.name, 'go');
  });

  it('uses the image information when no user is configured', async () => {
    const dir = project({ '.devcontainer/devcontainer.json': '{ "image": "img" }' });
    const r = await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), {
      env: {},
      imageInfo: async () => ({ user: 'coder', home: '/home/coder', volumes: ['/data'], env: { LANG: 'C' } }),
    });
    const t = r.targets[0]!;
    assert.deepEqual([t.user, t.home, t.imageVolumes, t.env], ['coder', '/home/coder', ['/data'], { LANG: 'C' }]);
  });

  it('reads storage flags in runArgs', async () => {
    const t = (await loadDevcontainer(fx('runargs/.devcontainer/devcontainer.json'), { env: {} })).targets[0]!;
    assert.deepEqual(brief(mountAt(t, '/runvol')), ['named-volume', 'runvol', false, 'runargs/.devcontainer/devcontainer.json:3:31']);
    assert.deepEqual(brief(mountAt(t, '/hostpath')), ['bind-mount', '/host/path', true, 'runargs/.devcontainer/devcontainer.json:3:49']);
    assert.deepEqual(brief(mountAt(t, '/mount-anon')), [
      'anonymous-volume',
      undefined,
      false,
      'runargs/.devcontainer/devcontainer.json:3:96',
    ]);
    assert.deepEqual(brief(mountAt(t, '/rt')), ['tmpfs', undefined, false, 'runargs/.devcontainer/devcontainer.json:3:141']);
    assert.equal(t.rootReadOnly, true);
  });

  it('substitutes ${localEnv:VAR}, ${env:VAR} and defaults, keeps ${devcontainerId}', async () => {
    const dir = project({
      '.devcontainer/devcontainer.json':
        '{"image":"i","mounts":["source=${localEnv:HOME}/.kube,target=/k,type=bind","source=${env:NOPE:fallback}-${devcontainerId},target=/v,type=volume"],"containerEnv":{"X":"${localWorkspaceFolderBasename}"}}',
    });
    const t = (await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: { HOME: '/home/me' } })).targets[0]!;
    assert.equal(mountAt(t, '/k').source, '/home/me/.kube');
    assert.equal(mountAt(t, '/v').source, 'fallback-${devcontainerId}');
    assert.equal(t.env.X, dir.split('/').pop());
  });
});

describe('devcontainer.json: a compose-based dev container', () => {
  const load = () => loadDevcontainer(fx('compose/.devcontainer/devcontainer.json'), { env: {} });

  it('is the compose service, declared in the compose file, with the mounts the dev container adds', async () => {
    const r = await load();
    const t = r.targets[0]!;
    assert.equal(t.kind, 'devcontainer');
    assert.equal(t.name, 'Compose dev container');
    assert.equal(t.file, fx('compose/compose.yaml'));
    assert.deepEqual(t.declaredAt, { file: fx('compose/compose.yaml'), line: 3, column: 3 });
    assert.equal(t.image, undefined);
    assert.equal(t.workingDir, '/workspace');
    assert.deepEqual([t.user, t.home], ['vscode', '/home/vscode']);
    assert.deepEqual(t.env, { FROM_COMPOSE: '1', FROM_DEVCONTAINER: 'yes' });
    assert.deepEqual(t.mounts.map(brief), [
      ['bind-mount', fx('compose'), false, 'compose/compose.yaml:6:9'],
      ['named-volume', 'extra', false, 'compose/.devcontainer/docker-compose.yml:4:9'],
      ['named-volume', 'app-home', false, 'compose/.devcontainer/devcontainer.json:9:5'],
      // The dev container's mount at /cache replaces the service's own.
      ['named-volume', 'override-cache', false, 'compose/.devcontainer/devcontainer.json:10:5'],
    ]);
  });

  it('carries the compose labels (with the project name the dev container CLI uses) and its own', async () => {
    const t = (await load()).targets[0]!;
    assert.deepEqual(t.labels, {
      'com.docker.compose.project': 'compose',
      'com.docker.compose.service': 'app',
      'devcontainer.local_folder': fx('compose'),
      'devcontainer.config_file': fx('compose/.devcontainer/devcontainer.json'),
    });
  });

  it('returns the compose project and the other services it starts', async () => {
    const r = await load();
    assert.deepEqual(r.compose!.files, [fx('compose/compose.yaml'), fx('compose/.devcontainer/docker-compose.yml')]);
    assert.equal(r.compose!.name, 'compose');
    assert.deepEqual(
      r.targets.map((t) => [t.kind, t.name]),
      [
        ['devcontainer', 'Compose dev container'],
        ['compose-service', 'db'],
      ],
    );
  });

  it('reads mounts of a compose-based configuration as the CLI writes them into its compose override', async () => {
    // The shape of popular public templates: the workspace bound with a relative source from .devcontainer/.
    const dir = project({
      '.devcontainer/devcontainer.json': JSON.stringify({
        dockerComposeFile: 'docker-compose.yml',
        service: 'dev',
        mounts: [
          { source: '../', target: '/workspace', type: 'bind' },
          'source=cache-${devcontainerId},target=/home/dev/.cache,type=volume',
          { type: 'tmpfs', target: '/scratch' },
          { source: '/srv/keys', target: '/keys', type: 'bind', readonly: true },
        ],
      }),
      '.devcontainer/docker-compose.yml': 'services:\n  dev:\n    image: x\n',
    });
    const r = await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: {} });
    const t = r.targets[0]!;
    assert.equal(mountAt(t, '/workspace').status, 'bind-mount');
    assert.equal(
      mountAt(t, '/workspace').source,
      dir,
      'compose resolves ../ against the project directory (.devcontainer), not the workspace',
    );
    assert.equal(mountAt(t, '/home/dev/.cache').status, 'named-volume');
    assert.equal(mountAt(t, '/scratch').status, 'anonymous-volume', 'a tmpfs entry is written as a bare target: an anonymous volume');
    assert.equal(mountAt(t, '/keys').readOnly, false, 'readonly is dropped by the CLI');
    assert.ok(!r.warnings.some((w) => /not an absolute path/.test(w)), r.warnings.join('\n'));
    assert.ok(
      r.warnings.some((w) => /tmpfs mount at \/scratch becomes an anonymous volume/.test(w)),
      r.warnings.join('\n'),
    );
    assert.ok(
      r.warnings.some((w) => /mount at \/keys is read-write, not read-only/.test(w)),
      r.warnings.join('\n'),
    );
  });

  it("says where its variables are written; the image is the service's, written in the compose file", async () => {
    const file = fx('compose/.devcontainer/devcontainer.json');
    const { model } = await load();
    assert.equal(model.imageAt, undefined);
    assert.deepEqual(model.environmentAt, { FROM_DEVCONTAINER: { file, line: 12, column: 21 } });
  });

  it('names the project <folder>_devcontainer when the compose file is in .devcontainer', async () => {
    const dir = project({
      'My App/.devcontainer/devcontainer.json': '{"dockerComposeFile":"docker-compose.yml","service":"dev"}',
      'My App/.devcontainer/docker-compose.yml': 'name: ignored\nservices:\n  dev:\n    image: x\n    volumes:\n      - ..:/workspace\n',
    });
    const r = await loadDevcontainer(join(dir, 'My App/.devcontainer/devcontainer.json'), { env: {} });
    assert.equal(r.compose!.name, 'myapp_devcontainer');
    assert.equal(r.targets[0]!.name, 'My App');
    assert.equal(mountAt(r.targets[0]!, '/workspace').source, join(dir, 'My App'));
    const fromEnv = await loadDevcontainer(join(dir, 'My App/.devcontainer/devcontainer.json'), {
      env: { COMPOSE_PROJECT_NAME: 'Env_Name' },
    });
    assert.equal(fromEnv.compose!.name, 'env_name');
  });

  it('refuses a missing compose file or service, with the location in devcontainer.json', async () => {
    const dir = project({
      'a/.devcontainer/devcontainer.json': '{\n  "dockerComposeFile": ["../nope.yml"],\n  "service": "x"\n}',
      'b/.devcontainer/devcontainer.json': '{\n  "dockerComposeFile": "c.yml",\n  "service": "missing"\n}',
      'b/.devcontainer/c.yml': 'services:\n  x:\n    image: x\n',
      'c/.devcontainer/devcontainer.json': '{\n  "dockerComposeFile": "c.yml"\n}',
      'c/.devcontainer/c.yml': 'services:\n  x:\n    image: x\n',
    });
    await rejects(loadDevcontainer(join(dir, 'a/.devcontainer/devcontainer.json'), { env: {} }), {
      line: 2,
      column: 25,
      message: /nope\.yml not found/,
    });
    await rejects(loadDevcontainer(join(dir, 'b/.devcontainer/devcontainer.json'), { env: {} }), {
      line: 3,
      column: 14,
      message: /service "missing" not found/,
    });
    await rejects(loadDevcontainer(join(dir, 'c/.devcontainer/devcontainer.json'), { env: {} }), {
      line: 1,
      column: 1,
      message: /needs a "service"/,
    });
  });

  it('passes compose errors through', async () => {
    const dir = project({
      '.devcontainer/devcontainer.json': '{"dockerComposeFile":"c.yml","service":"x"}',
      '.devcontainer/c.yml': 'services:\n  x:\n    volumes: 5\n',
    });
    await rejects(loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: {} }), {
      file: join(dir, '.devcontainer/c.yml'),
      line: 3,
      column: 14,
    });
  });
});

describe('devcontainer.json: refused input', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['a syntax error', '{\n  "image": "x"\n  "mounts": []\n}', 3, 3, /invalid JSON: comma expected/],
    ['an unclosed object', '{\n  "image": "x",\n', 3, 1, /invalid JSON/],
    ['not an object', '[1, 2]', 1, 1, /must hold an object, not an array/],
    ['mounts not an array', '{"image":"x",\n"mounts": "source=a,target=/b"}', 2, 11, /mounts must be an array/],
    ['a mount that is a number', '{"image":"x","mounts":[\n  42]}', 2, 3, /a mounts entry must be a string or an object, not a number/],
    ['a mount without target', '{"image":"x","mounts":[\n  "source=a,type=volume"]}', 2, 3, /has no target/],
    ['a relative mount target', '{"image":"x","mounts":[\n  {"source":"a","target":"rel"}]}', 2, 3, /must be an absolute container path/],
    ['an unknown mount type', '{"image":"x","mounts":[\n  "type=nfs,target=/x"]}', 2, 3, /unknown mount type "nfs"/],
    ['a bind without source', '{"image":"x","mounts":[\n  "type=bind,target=/x"]}', 2, 3, /has no source/],
    ['remoteUser not a string', '{"image":"x",\n  "remoteUser": 0}', 2, 17, /remoteUser must be a string/],
    ['containerEnv not an object', '{"image":"x",\n  "containerEnv": []}', 2, 19, /containerEnv must be an object/],
    ['an env value that is an object', '{"image":"x",\n  "containerEnv": {"A": {}}}', 2, 25, /containerEnv\.A must be a string/],
    ['workspaceMount malformed', '{"image":"x",\n  "workspaceMount": "source=/a,target=/b,junk"}', 2, 21, /invalid mount/],
    ['runArgs not an array', '{"image":"x",\n  "runArgs": "-v a:/b"}', 2, 14, /runArgs must be an array/],
  ];
  for (const [name, text, line, column, message] of cases) {
    it(`${name}: an InputError at ${line}:${column}`, async () => {
      const dir = project({ '.devcontainer/devcontainer.json': text });
      const file = join(dir, '.devcontainer/devcontainer.json');
      await rejects(loadDevcontainer(file, { env: {} }), { file, line, column, message });
    });
  }

  it('a missing file: an InputError naming it', async () => {
    await rejects(loadDevcontainer('/nonexistent/devcontainer.json'), { message: /\/nonexistent\/devcontainer\.json: no such file/ });
  });

  it('absurd nesting: an InputError, not a RangeError', async () => {
    const dir = project({ '.devcontainer/devcontainer.json': `{"a": ${'['.repeat(100000)}${']'.repeat(100000)}}` });
    await rejects(loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: {} }), { line: 1, column: 1 });
  });
});
