/**
 * What a compose-based devcontainer.json's `mounts` really give the container: the real Dev Containers CLI
 * (`@devcontainers/cli`, a devDependency, offline on a local image) brings it up with docker-compose, and the
 * container's mounts are compared with what loadDevcontainer predicts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDevcontainer } from '../../src/sources/devcontainer/index';
import { IMAGE, TestResources, docker, runCommand, yamlLabels } from './helpers/docker';

interface EngineMount {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  RW: boolean;
}

describe('a compose-based dev container, brought up by the Dev Containers CLI', () => {
  const res = new TestResources();
  const cli = resolve('node_modules/.bin/devcontainer');
  const project = `pldevc${res.runId}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  after(async () => {
    await res.cleanup();
    // compose made the project's network; nothing else uses it
    await docker('network', 'rm', `${project}_default`).catch(() => undefined);
  });

  it('gets the mounts loadDevcontainer predicts: ../ from the project directory, a tmpfs entry as a volume, readonly dropped', async () => {
    assert.ok(existsSync(cli), `the Dev Containers CLI is missing at ${cli}: run npm install (it is the devDependency @devcontainers/cli)`);
    const ws = res.subDir(res.tempDir('pl-devc-compose-'), 'ws');
    const keys = res.subDir(res.tempDir('pl-devc-keys-'), 'keys');
    mkdirSync(join(ws, '.devcontainer'));
    writeFileSync(
      join(ws, '.devcontainer', 'docker-compose.yml'),
      ['services:', '  dev:', `    image: ${IMAGE}`, '    command: ["sleep", "86400"]', '    labels:', yamlLabels(res.labels, 6), ''].join(
        '\n',
      ),
    );
    writeFileSync(
      join(ws, '.devcontainer', 'devcontainer.json'),
      JSON.stringify(
        {
          name: 'compose mounts',
          dockerComposeFile: 'docker-compose.yml',
          service: 'dev',
          workspaceFolder: '/workspace',
          overrideCommand: false,
          mounts: [
            { source: '../', target: '/workspace', type: 'bind' },
            { type: 'tmpfs', target: '/scratch' },
            { source: keys, target: '/keys', type: 'bind', readonly: true },
          ],
        },
        null,
        2,
      ),
    );
    const predicted = await loadDevcontainer(join(ws, '.devcontainer', 'devcontainer.json'), { env: { COMPOSE_PROJECT_NAME: project } });
    const target = predicted.targets[0]!;

    const { stdout } = await runCommand(cli, ['up', '--workspace-folder', ws], {
      timeoutMs: 180_000,
      env: { ...process.env, COMPOSE_PROJECT_NAME: project },
    });
    const outcome = JSON.parse(stdout.trim().split('\n').pop()!) as { outcome: string; containerId: string };
    assert.equal(outcome.outcome, 'success', stdout);
    res.trackContainer(outcome.containerId);
    await res.trackVolumesOf(outcome.containerId, { anonymousOnly: true });
    const mounts = JSON.parse(await docker('inspect', '--format', '{{json .Mounts}}', outcome.containerId)) as EngineMount[];
    const at = (p: string): EngineMount => {
      const m = mounts.find((x) => x.Destination === p);
      assert.ok(m, `a mount at ${p}: ${JSON.stringify(mounts)}`);
      return m;
    };
    const predictedAt = (p: string) => target.mounts.find((m) => m.target === p)!;

    assert.equal(at('/workspace').Type, 'bind');
    assert.equal(at('/workspace').Source, ws, 'compose resolved ../ against .devcontainer');
    assert.equal(predictedAt('/workspace').source, ws);

    assert.equal(at('/scratch').Type, 'volume', 'the tmpfs entry became a volume');
    assert.match(at('/scratch').Name ?? '', /^[0-9a-f]{64}$/, 'an anonymous one');
    assert.equal(predictedAt('/scratch').status, 'anonymous-volume');

    assert.equal(at('/keys').RW, true, 'readonly was dropped');
    assert.equal(predictedAt('/keys').readOnly, false);
  });
});
