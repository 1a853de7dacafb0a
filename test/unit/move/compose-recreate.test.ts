import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeRefOf, composeUpCommand, runCompose, type ComposeFlavor } from '../../../src/move/compose-recreate';
import { devcontainerUpCommand } from '../../../src/move/devcontainer-recreate';
import { devcontainerId, devcontainerIdLabels } from '../../../src/move/devcontainer-id';

const labels = (over: Record<string, string>): Record<string, string> => ({
  'com.docker.compose.project': 'persistence-lens-demo',
  'com.docker.compose.service': 'redis',
  'com.docker.compose.project.working_dir': '/srv/demo',
  'com.docker.compose.version': '1.29.2',
  ...over,
});
const FILES = 'com.docker.compose.project.config_files';

describe('composeRefOf', () => {
  it('reads absolute config files (Compose v2)', () => {
    assert.deepEqual(composeRefOf(labels({ [FILES]: '/srv/demo/compose.yaml', 'com.docker.compose.version': '2.27.0' })), {
      project: 'persistence-lens-demo',
      service: 'redis',
      workingDir: '/srv/demo',
      configFiles: ['/srv/demo/compose.yaml'],
      version: '2.27.0',
    });
  });
  it("resolves Compose v1's relative config files against the working dir", () => {
    assert.deepEqual(composeRefOf(labels({ [FILES]: 'compose.yaml' }))?.configFiles, ['/srv/demo/compose.yaml']);
  });
  it('keeps several files in order', () => {
    assert.deepEqual(composeRefOf(labels({ [FILES]: 'compose.yaml,compose.override.yaml,/etc/extra.yml' }))?.configFiles, [
      '/srv/demo/compose.yaml',
      '/srv/demo/compose.override.yaml',
      '/etc/extra.yml',
    ]);
  });
  it('is undefined when a label it needs is missing', () => {
    assert.equal(composeRefOf(undefined), undefined);
    assert.equal(composeRefOf({}), undefined);
    assert.equal(composeRefOf(labels({})), undefined, 'no config files');
    const { 'com.docker.compose.service': _s, ...noService } = labels({ [FILES]: 'compose.yaml' });
    assert.equal(composeRefOf(noService), undefined);
    const { 'com.docker.compose.project.working_dir': _w, ...noDir } = labels({ [FILES]: '/a/compose.yaml' });
    assert.equal(composeRefOf(noDir), undefined);
  });
  it('has no version when the label is absent', () => {
    const { 'com.docker.compose.version': _v, ...rest } = labels({ [FILES]: '/srv/demo/compose.yaml' });
    assert.equal('version' in (composeRefOf(rest) ?? {}), false);
  });
});

describe('composeUpCommand', () => {
  const ref = {
    project: 'persistence-lens-demo',
    service: 'redis',
    workingDir: '/srv/my demo',
    configFiles: ['/srv/my demo/compose.yaml', '/srv/my demo/override.yml'],
  };
  const v1: ComposeFlavor = { kind: 'v1', command: ['docker-compose'], version: '1.29.2' };
  const v2: ComposeFlavor = { kind: 'v2', command: ['docker', 'compose'], version: '2.27.0' };
  it('v1: docker-compose with -p, every -f, the project directory, up -d --no-deps and the service, run in the working dir', () => {
    const c = composeUpCommand(ref, v1);
    assert.deepEqual(c.argv, [
      'docker-compose',
      '-p',
      'persistence-lens-demo',
      '-f',
      '/srv/my demo/compose.yaml',
      '-f',
      '/srv/my demo/override.yml',
      '--project-directory',
      '/srv/my demo',
      'up',
      '-d',
      '--no-deps',
      'redis',
    ]);
    assert.equal(c.cwd, '/srv/my demo');
    assert.equal(
      c.display,
      "cd '/srv/my demo' && docker-compose -p persistence-lens-demo -f '/srv/my demo/compose.yaml' -f '/srv/my demo/override.yml' --project-directory '/srv/my demo' up -d --no-deps redis",
    );
  });
  it('v2: docker compose, same options; --renew-anon-volumes only when asked', () => {
    const c = composeUpCommand(ref, v2, { renewAnonVolumes: true });
    assert.deepEqual(c.argv, [
      'docker',
      'compose',
      '-p',
      'persistence-lens-demo',
      '-f',
      '/srv/my demo/compose.yaml',
      '-f',
      '/srv/my demo/override.yml',
      '--project-directory',
      '/srv/my demo',
      'up',
      '-d',
      '--no-deps',
      '--renew-anon-volumes',
      'redis',
    ]);
    assert.equal(composeUpCommand(ref, v2).argv.includes('--renew-anon-volumes'), false);
  });
  it('quotes what a shell would split or expand in the display, and a quote inside', () => {
    const c = composeUpCommand({ ...ref, workingDir: "/it's", configFiles: ['/$HOME/c.yml'] }, v1);
    assert.match(c.display, /^cd '\/it'\\''s' && docker-compose .* -f '\/\$HOME\/c\.yml' /);
  });
});

describe('runCompose', () => {
  it('rejects with the last stderr lines and the command', async () => {
    await assert.rejects(runCompose({ argv: ['sh', '-c', 'echo one >&2; echo two >&2; exit 3'], cwd: '/' }), (err: Error) =>
      /exited with 3:\none\ntwo$/.test(err.message),
    );
  });
  it('passes every line to onOutput and resolves on exit 0', async () => {
    const seen: string[] = [];
    await runCompose({ argv: ['sh', '-c', 'echo out; echo err >&2'], cwd: '/' }, { onOutput: (l) => seen.push(l) });
    assert.deepEqual(seen.sort(), ['err', 'out']);
  });
  it('says which program is not installed', async () => {
    await assert.rejects(
      runCompose({ argv: ['persistence-lens-no-such-compose', 'up'], cwd: '/' }),
      /persistence-lens-no-such-compose is not installed/,
    );
  });
  it('stops the process when the signal fires', async () => {
    const ac = new AbortController();
    const run = runCompose({ argv: ['sleep', '30'], cwd: '/' }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  });
});

describe('devcontainerId', () => {
  // Vectors computed with the function of @devcontainers/cli 0.89.0 itself (devcontainerIdForLabels, extracted
  // from its dist/spec-node/devContainersSpecCLI.js); the first is also the volume name `devcontainer up` made
  // for `source=x-${devcontainerId}` with the workspace folder /tmp/pldc/ws.
  const vectors: Array<[Record<string, string>, string]> = [
    [
      { 'devcontainer.local_folder': '/tmp/pldc/ws', 'devcontainer.config_file': '/tmp/pldc/ws/.devcontainer/devcontainer.json' },
      '0q7re07vl6mc0c5n6ruajn2knk4on1ioir7hciaker9r5a9q29q3',
    ],
    [{ 'devcontainer.local_folder': '/home/me/My Project' }, '1v13gf4htpkg95t0rrnnjqbfhs0psmdslo2iqkvl0h5dr3hipnar'],
    [
      { 'devcontainer.config_file': '/home/jürgen/ü/.devcontainer.json', 'devcontainer.local_folder': '/home/jürgen/ü' },
      '0v3es32foiddu9ej06afm1sv7td8dvg8o4troec3omofbm93nbvs',
    ],
    [
      { 'devcontainer.local_folder': '/w', 'devcontainer.config_file': '/w/.devcontainer/devcontainer.json' },
      '0gn1u8u55qadm6uv071vp3trcdti1b3nvgm3pmh0k3hqn6pk3vhi',
    ],
  ];
  for (const [idLabels, id] of vectors) {
    it(`${JSON.stringify(idLabels)} → ${id}`, () => assert.equal(devcontainerId(idLabels), id));
  }
  it('does not depend on the order of the labels, and is always 52 base-32 digits', () => {
    const [a, b] = [vectors[0]![0], Object.fromEntries(Object.entries(vectors[0]![0]).reverse())];
    assert.equal(devcontainerId(a), devcontainerId(b));
    assert.match(devcontainerId({ x: '' }), /^[0-9a-v]{52}$/);
  });
});

describe('devcontainerIdLabels', () => {
  it('takes the local folder and the config file from the labels, and nothing else', () => {
    assert.deepEqual(
      devcontainerIdLabels({
        'devcontainer.local_folder': '/w',
        'devcontainer.config_file': '/w/.devcontainer/devcontainer.json',
        'devcontainer.metadata': '[]',
        other: 'x',
      }),
      {
        'devcontainer.local_folder': '/w',
        'devcontainer.config_file': '/w/.devcontainer/devcontainer.json',
      },
    );
  });
  it('takes the local folder alone for a container an old CLI made without the config file label', () => {
    assert.deepEqual(devcontainerIdLabels({ 'devcontainer.local_folder': '/w' }), { 'devcontainer.local_folder': '/w' });
  });
  it('is undefined without dev container labels', () => {
    assert.equal(devcontainerIdLabels(undefined), undefined);
    assert.equal(devcontainerIdLabels({ 'com.docker.compose.project': 'p' }), undefined);
  });
});

describe('devcontainerUpCommand', () => {
  it('recreates with --remove-existing-container, with --config only when given', () => {
    assert.deepEqual(devcontainerUpCommand('/w'), ['devcontainer', 'up', '--workspace-folder', '/w', '--remove-existing-container']);
    assert.deepEqual(devcontainerUpCommand('/w', '/w/.devcontainer/a/devcontainer.json'), [
      'devcontainer',
      'up',
      '--workspace-folder',
      '/w',
      '--config',
      '/w/.devcontainer/a/devcontainer.json',
      '--remove-existing-container',
    ]);
  });
});
