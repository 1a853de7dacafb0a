import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDevcontainerFix } from '../../../src/fixes/devcontainer-fix';
import { FixRefusal } from '../../../src/fixes/types';
import { assertOnlyInsertedLines } from '../helpers/edit-checks';

const fix = (text: string, extra: { volumeName?: string; bindSource?: string } = {}) =>
  planDevcontainerFix({ file: 'devcontainer.json', text, path: '/home/vscode/.config', ...extra });

describe('devcontainer.json fix', () => {
  it('appends a string mount after the last one, keeping comments and the trailing comma style', () => {
    const text = '// c\n{\n  "name": "x", // n\n  "mounts": [\n    "source=a,target=/a,type=volume", // keep\n  ],\n}\n';
    const plan = fix(text);
    assert.equal(
      plan.newText,
      '// c\n{\n  "name": "x", // n\n  "mounts": [\n    "source=a,target=/a,type=volume", // keep\n    "source=config-${devcontainerId},target=/home/vscode/.config,type=volume",\n  ],\n}\n',
    );
    assert.equal(plan.title, 'Add volume "config-${devcontainerId}" for /home/vscode/.config');
    assertOnlyInsertedLines(text, plan.newText);
  });

  it('adds the comma after the last item when the list has no trailing comma', () => {
    const text = '{\n  "mounts": [\n    "source=a,target=/a,type=volume" /* a */\n  ]\n}\n';
    assert.equal(
      fix(text).newText,
      '{\n  "mounts": [\n    "source=a,target=/a,type=volume", /* a */\n    "source=config-${devcontainerId},target=/home/vscode/.config,type=volume"\n  ]\n}\n',
    );
  });

  it('writes objects when the file uses objects, on one line like its neighbour', () => {
    const text = '{\n    "mounts": [ { "source": "a", "target": "/a", "type": "volume" } ]\n}';
    assert.equal(
      fix(text).newText,
      '{\n    "mounts": [ { "source": "a", "target": "/a", "type": "volume" }, { "source": "config-${devcontainerId}", "target": "/home/vscode/.config", "type": "volume" } ]\n}',
    );
  });

  it('creates mounts with tab indentation and keeps comments', () => {
    const text = '{\n\t"name": "x",\n\t// comment\n\t"image": "y"\n}\n';
    const plan = fix(text);
    assert.equal(
      plan.newText,
      '{\n\t"name": "x",\n\t// comment\n\t"image": "y",\n\t"mounts": [\n\t\t"source=config-${devcontainerId},target=/home/vscode/.config,type=volume"\n\t]\n}\n',
    );
  });

  it('keeps CRLF', () => {
    const plan = fix('{\r\n  "name": "x"\r\n}\r\n');
    assert.ok(!/[^\r]\n/.test(plan.newText), 'every line break is CRLF');
  });

  it('binds a host folder when asked, and uses the given volume name', () => {
    assert.match(
      fix('{ "mounts": [] }', { bindSource: '${localWorkspaceFolder}/.persist/config' }).newText,
      /source=\$\{localWorkspaceFolder\}\/.persist\/config,target=\/home\/vscode\/.config,type=bind/,
    );
    assert.equal(fix('{}', { volumeName: 'cfg' }).volumeName, 'cfg-${devcontainerId}');
  });

  it('refuses malformed JSONC with a location, and compose-based dev containers', () => {
    assert.throws(
      () => fix('{\n  "name": "x"\n  "image": "y"\n}'),
      (e: unknown) => e instanceof FixRefusal && /devcontainer.json:3:3: not valid JSONC/.test((e as Error).message),
    );
    assert.throws(() => fix('{ "dockerComposeFile": "c.yml", "service": "app" }'), /compose-based/);
    assert.throws(() => fix('{ "mounts": "x" }'), /"mounts" is not an array/);
  });
});

describe('devcontainer.json fix over an entry already at the path', () => {
  it('changes an anonymous volume entry into a named one instead of adding a duplicate mount point', () => {
    const text =
      '{\n  "image": "node:22",\n  // agent state\n  "mounts": [\n    "type=volume,target=/home/node/.claude", // anonymous\n    "source=/x,target=/y,type=bind"\n  ]\n}\n';
    const plan = planDevcontainerFix({ file: 'devcontainer.json', text, path: '/home/node/.claude' });
    assert.equal(
      plan.newText,
      text.replace('"type=volume,target=/home/node/.claude"', '"source=claude-${devcontainerId},target=/home/node/.claude,type=volume"'),
    );
    assert.match(plan.title, /^Replace the mount of \/home\/node\/\.claude with volume/);
  });

  it('keeps the object form of a tmpfs entry it replaces', () => {
    const text = '{ "image": "x", "mounts": [ { "type": "tmpfs", "target": "/data/" } ] }';
    const plan = planDevcontainerFix({ file: 'devcontainer.json', text, path: '/data' });
    assert.equal(
      plan.newText,
      '{ "image": "x", "mounts": [ { "source": "data-${devcontainerId}", "target": "/data", "type": "volume" } ] }',
    );
  });

  it('with replaceOnly, refuses when no mounts entry is at the path (a runArgs --tmpfs, say)', () => {
    const text = '{ "image": "x", "runArgs": ["--tmpfs", "/data"], "mounts": [] }';
    assert.throws(() => planDevcontainerFix({ file: 'devcontainer.json', text, path: '/data', replaceOnly: true }), FixRefusal);
  });
});
