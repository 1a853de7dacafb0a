import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../../src/cli/main';
import { capture } from '../../helpers/cli';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-cli-persist-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('persistence-lens persist', () => {
  it('prints the edited file and leaves the original alone without --write', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: x\n' });
    const c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--path', '/data'], c.io), 0);
    assert.equal(c.out.join(''), 'services:\n  web:\n    image: x\n    volumes:\n      - web-data:/data\n\nvolumes:\n  web-data:\n');
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: x\n');
  });

  it('writes in place keeping the mode, with --bind', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: x\n' });
    chmodSync(join(dir, 'compose.yaml'), 0o640);
    const c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--path', '/data', '--bind', './keep', '--write'], c.io), 0);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: x\n    volumes:\n      - ./keep:/data\n');
    assert.equal(statSync(join(dir, 'compose.yaml')).mode & 0o777, 0o640);
  });

  it('edits the file that declares the service when it comes from include', async () => {
    const dir = project({
      'compose.yaml': 'include:\n  - sub/db.yaml\nservices:\n  web:\n    image: x\n',
      'sub/db.yaml': 'services:\n  db:\n    image: busybox\n',
    });
    const c = capture();
    assert.equal(
      await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--service', 'db', '--path', '/srv'], c.io),
      0,
      c.err.join(''),
    );
    assert.match(c.err.join(''), /edited .*sub\/db.yaml/);
    assert.equal(c.out.join(''), 'services:\n  db:\n    image: busybox\n    volumes:\n      - db-srv:/srv\n\nvolumes:\n  db-srv:\n');
  });

  it('adds to the extending service, not to the shared base', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n',
      'base.yaml': 'services:\n  base:\n    image: x\n    volumes:\n      - shared:/shared\nvolumes:\n  shared:\n',
    });
    const c = capture();
    assert.equal(
      await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--service', 'web', '--path', '/mine'], c.io),
      0,
      c.err.join(''),
    );
    assert.match(
      c.out.join(''),
      /^services:\n {2}web:\n {4}extends:\n {6}file: base.yaml\n {6}service: base\n {4}volumes:\n {6}- web-mine:\/mine\n/,
    );
    assert.equal(
      readFileSync(join(dir, 'base.yaml'), 'utf8'),
      'services:\n  base:\n    image: x\n    volumes:\n      - shared:/shared\nvolumes:\n  shared:\n',
    );
  });

  it('answers already persisted for a path under a volume, including one from an override file', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  web:\n    image: x\n',
      'compose.override.yml': 'services:\n  web:\n    volumes:\n      - data:/data\nvolumes:\n  data:\n',
    });
    const c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--path', '/data/sub'], c.io), 0);
    assert.match(c.err.join(''), /\/data\/sub is already persisted by the named volume "data" at \/data \(.*compose.override.yml:4\)/);
    assert.equal(c.out.join(''), 'services:\n  web:\n    image: x\n', 'the content, unchanged');
  });

  it('edits the compose file behind a compose-based devcontainer.json', async () => {
    const dir = project({
      '.devcontainer/devcontainer.json':
        '{\n  // compose-based\n  "dockerComposeFile": "compose.yaml",\n  "service": "app",\n  "workspaceFolder": "/workspace"\n}\n',
      '.devcontainer/compose.yaml': 'services:\n  app:\n    image: x\n  db:\n    image: postgres:16\n',
    });
    const c = capture();
    assert.equal(
      await runCli(['persist', '--file', join(dir, '.devcontainer/devcontainer.json'), '--path', '/home/node/.claude'], c.io),
      0,
      c.err.join(''),
    );
    assert.match(c.err.join(''), /edited .*\.devcontainer\/compose.yaml/);
    assert.match(c.out.join(''), / {6}- app-claude:\/home\/node\/.claude\n/);
  });

  it('adds a mount to a plain devcontainer.json', async () => {
    const dir = project({
      '.devcontainer/devcontainer.json': '{\n  "image": "mcr.microsoft.com/devcontainers/base",\n  "remoteUser": "vscode"\n}\n',
    });
    const c = capture();
    assert.equal(
      await runCli(['persist', '--file', join(dir, '.devcontainer/devcontainer.json'), '--path', '/home/vscode/.ssh'], c.io),
      0,
      c.err.join(''),
    );
    assert.match(c.out.join(''), /"mounts": \[\n {4}"source=ssh-\$\{devcontainerId\},target=\/home\/vscode\/.ssh,type=volume"\n {2}\]/);
  });

  it('exits 2 with a located message on bad input', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  web:\n    image: [x\n',
      'ok.yaml': 'services:\n  a:\n    image: x\n  b:\n    image: y\n',
    });
    let c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--path', '/data'], c.io), 2);
    assert.match(c.err.join(''), /compose.yaml:\d+:\d+/);
    c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'ok.yaml'), '--path', '/data'], c.io), 2);
    assert.match(c.err.join(''), /several services \(a, b\)/);
    c = capture();
    assert.equal(await runCli(['persist', '--file', join(dir, 'ok.yaml'), '--service', 'a', '--path', 'data'], c.io), 2);
    assert.match(c.err.join(''), /not an absolute container path/);
    c = capture();
    assert.equal(await runCli(['persist', '--path', '/x'], c.io), 2);
    assert.match(c.err.join(''), /needs --file/);
  });
});
