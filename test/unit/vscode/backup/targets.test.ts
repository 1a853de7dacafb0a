/**
 * What the Paths view's nodes mean to the backup engine (src/vscode/backup/targets.ts, args.ts), on real
 * reports: the core's analysis of captured mount tables, and a compose file read in files mode.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup } from '../../../../src/backup';
import { analyzeTarget } from '../../../../src/core/analyze';
import type { TargetReport } from '../../../../src/core/types';
import { scan } from '../../../../src/scan';
import { readSelfTarget } from '../../../../src/sources/self';
import { classifyArg } from '../../../../src/vscode/backup/args';
import {
  originalTarget,
  parseScheduledSource,
  rescueContainerFor,
  restoreTargetForPath,
  sameSource,
  sourceForPath,
} from '../../../../src/vscode/backup/targets';
import { describeTarget } from '../../../../src/backup/describe';
import type { PathNode, RootKind, TargetNode } from '../../../../src/vscode/tree/nodes';

const fixture = (name: string): string => join(__dirname, '..', '..', '..', 'fixtures', name);
const MIXED_ID = '8a04ac1f749bc80269d32f8730c6e9df65e184abf094984204f1a7e7404652d2';

let mixed: TargetReport;
let readOnly: TargetReport;
let composeApp: TargetReport;

before(async () => {
  mixed = analyzeTarget(
    await readSelfTarget({ mountinfoFile: fixture('mountinfo-docker-mixed.txt'), env: { HOME: '/home/coder' }, home: '/home/coder' }),
  );
  readOnly = analyzeTarget(
    await readSelfTarget({
      mountinfoFile: fixture('mountinfo-docker-readonly-mounts.txt'),
      env: { HOME: '/home/coder' },
      home: '/home/coder',
    }),
  );
  const files = await scan({ composeFiles: [fixture('compose/basic/compose.yaml')], self: false, docker: false });
  composeApp = files.targets.find((t) => t.name === 'app')!;
  assert.ok(composeApp, 'the compose fixture has an app service');
});

function targetNode(target: TargetReport, rootKind: RootKind, dockerReachable = true): TargetNode {
  return { kind: 'target', rootKind, target, dockerReachable };
}

function pathNode(target: TargetReport, path: string, rootKind: RootKind, dockerReachable = true): PathNode {
  const p = target.paths.find((x) => x.path === path);
  assert.ok(p, `${path} is in the report: ${target.paths.map((x) => x.path).join(', ')}`);
  return { kind: 'path', parent: targetNode(target, rootKind, dockerReachable), path: p };
}

describe('sourceForPath', () => {
  it('a named volume mounted at the path is the volume itself, through Docker', () => {
    assert.deepEqual(sourceForPath(pathNode(mixed, '/home/coder/.local', 'self')), {
      ok: true,
      value: { kind: 'volume', volume: 'capnamed' },
    });
    assert.deepEqual(sourceForPath(pathNode(mixed, '/home/coder/.local/share/code-server', 'container')), {
      ok: true,
      value: { kind: 'volume', volume: 'capnested' },
    });
  });

  it("a folder below a volume's mount point is that folder, not the whole volume", () => {
    const node = pathNode(mixed, '/home/coder/.local/share', 'self');
    assert.equal(node.path.status, 'named-volume');
    assert.deepEqual(sourceForPath(node), { ok: true, value: { kind: 'local', path: '/home/coder/.local/share' } });
    assert.deepEqual(sourceForPath(pathNode(mixed, '/home/coder/.local/share', 'container')), {
      ok: true,
      value: { kind: 'container-path', container: MIXED_ID, path: '/home/coder/.local/share' },
    });
  });

  it('on this machine every other path is read locally: writable layer, tmpfs, bind mount, anonymous volume', () => {
    for (const p of ['/home/coder/.config', '/d', '/c', '/data']) {
      assert.deepEqual(sourceForPath(pathNode(mixed, p, 'self')), { ok: true, value: { kind: 'local', path: p } }, p);
    }
  });

  it("this machine's volume is read locally when Docker did not answer", () => {
    assert.deepEqual(sourceForPath(pathNode(mixed, '/home/coder/.local', 'self', false)), {
      ok: true,
      value: { kind: 'local', path: '/home/coder/.local' },
    });
  });

  it("in another container a path goes through the engine, by the container's id", () => {
    assert.deepEqual(sourceForPath(pathNode(mixed, '/home/coder/.config', 'container')), {
      ok: true,
      value: { kind: 'container-path', container: MIXED_ID, path: '/home/coder/.config' },
    });
    const { id: _id, ...named } = mixed;
    assert.deepEqual(sourceForPath(pathNode(named, '/tmp', 'container')), {
      ok: true,
      value: { kind: 'container-path', container: mixed.name, path: '/tmp' },
    });
  });

  it('refuses a container path when Docker did not answer, saying so', () => {
    const d = sourceForPath(pathNode(mixed, '/home/coder/.config', 'container', false));
    assert.equal(d.ok, false);
    assert.match((d as { reason: string }).reason, /Docker Engine, which did not answer/);
  });

  it("refuses a path of a compose file's service: nothing runs it yet", () => {
    const d = sourceForPath(pathNode(composeApp, '/anon', 'file'));
    assert.equal(d.ok, false);
    assert.match((d as { reason: string }).reason, /compose\.yaml: nothing runs it yet, so there is nothing to back up/);
  });
});

describe('restoreTargetForPath', () => {
  it('restores where a backup would read', () => {
    assert.deepEqual(restoreTargetForPath(pathNode(mixed, '/home/coder/.local', 'self')), {
      ok: true,
      value: { kind: 'volume', volume: 'capnamed' },
    });
    assert.deepEqual(restoreTargetForPath(pathNode(mixed, '/tmp', 'self')), { ok: true, value: { kind: 'local', path: '/tmp' } });
  });

  it('refuses a read-only mount, naming it', () => {
    for (const p of ['/a', '/c']) {
      const d = restoreTargetForPath(pathNode(readOnly, p, 'container'));
      assert.equal(d.ok, false, p);
      assert.match((d as { reason: string }).reason, new RegExp(`^${p} is mounted read-only`));
    }
  });

  it("refuses a compose file's service", () => {
    const d = restoreTargetForPath(pathNode(composeApp, '/anon', 'file'));
    assert.match((d as { reason: string }).reason, /nothing to restore into/);
  });
});

describe('rescueContainerFor', () => {
  it('a container, or this machine when the engine knows it', () => {
    assert.deepEqual(rescueContainerFor(targetNode(mixed, 'container')), { ok: true, value: MIXED_ID });
    assert.deepEqual(rescueContainerFor(targetNode(mixed, 'self')), { ok: true, value: MIXED_ID });
    assert.deepEqual(rescueContainerFor({ kind: 'layer', parent: targetNode(mixed, 'container') }), { ok: true, value: MIXED_ID });
  });

  it("refuses a host (no container id), a file's service, and an unreachable engine", () => {
    const { id: _id, ...host } = mixed;
    assert.match((rescueContainerFor(targetNode(host, 'self')) as { reason: string }).reason, /not a container the Docker Engine knows/);
    assert.match((rescueContainerFor(targetNode(composeApp, 'file')) as { reason: string }).reason, /read from a file/);
    assert.match((rescueContainerFor(targetNode(mixed, 'container', false)) as { reason: string }).reason, /did not answer/);
  });
});

describe('parseScheduledSource', () => {
  const home = '/home/me';
  it('reads the three forms', () => {
    assert.deepEqual(parseScheduledSource('volume:pg-data', home), { ok: true, value: { kind: 'volume', volume: 'pg-data' } });
    assert.deepEqual(parseScheduledSource('container:web:/srv/data/', home), {
      ok: true,
      value: { kind: 'container-path', container: 'web', path: '/srv/data' },
    });
    assert.deepEqual(parseScheduledSource('container:web:/a:b', home), {
      ok: true,
      value: { kind: 'container-path', container: 'web', path: '/a:b' },
    });
    assert.deepEqual(parseScheduledSource(' path:~/notes ', home), { ok: true, value: { kind: 'local', path: '/home/me/notes' } });
    assert.deepEqual(parseScheduledSource('path:/srv/x/../y', home), { ok: true, value: { kind: 'local', path: '/srv/y' } });
  });

  it('refuses what it cannot read, quoting it and the forms', () => {
    for (const bad of [
      'pg-data',
      'volume:',
      'volume:a/b',
      'container:web',
      'container:web:relative',
      'container::/x',
      'path:relative',
      'disk:/x',
    ]) {
      const d = parseScheduledSource(bad, home);
      assert.equal(d.ok, false, bad);
      assert.ok(
        (d as { reason: string }).reason.startsWith(
          `"${bad}" is not a scheduled source: write volume:NAME, container:NAME:/path or path:/local/path`,
        ),
        bad,
      );
    }
  });
});

describe('sameSource and originalTarget, against manifests the engine writes', () => {
  const work = mkdtempSync(join(tmpdir(), 'pl-vsbackup-targets-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("a local backup's manifest matches its path (however written), and nothing else", async () => {
    const src = join(work, 'notes');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'a\n');
    const r = await backup({ kind: 'local', path: `${src}/./` }, { outDir: join(work, 'out'), insideContainer: false });
    assert.ok(sameSource({ kind: 'local', path: src }, r.manifest.source));
    assert.ok(sameSource({ kind: 'local', path: `${src}/` }, r.manifest.source));
    assert.ok(!sameSource({ kind: 'local', path: join(work, 'other') }, r.manifest.source));
    assert.ok(!sameSource({ kind: 'volume', volume: src }, r.manifest.source));
    assert.deepEqual(originalTarget(r.manifest.source), { kind: 'local', path: src });
  });

  it('containers match by name, or by an id prefix of the recorded id', () => {
    const recorded = { kind: 'container-path' as const, name: '/srv', container: 'web', containerId: MIXED_ID };
    assert.ok(sameSource({ kind: 'container-path', container: 'web', path: '/srv/' }, recorded));
    assert.ok(sameSource({ kind: 'container-path', container: MIXED_ID.slice(0, 12), path: '/srv' }, recorded));
    assert.ok(!sameSource({ kind: 'container-path', container: 'web', path: '/srv/x' }, recorded));
    assert.ok(!sameSource({ kind: 'container-path', container: 'db', path: '/srv' }, recorded));
    assert.deepEqual(originalTarget({ kind: 'rescue', name: 'web', container: 'web' }), { kind: 'container', container: 'web' });
    assert.equal(describeTarget(originalTarget(recorded)), '/srv of container "web"');
  });
});

describe('classifyArg', () => {
  it('tells the nodes, a Backups view item and requests apart; anything else is nothing', () => {
    const node = pathNode(mixed, '/tmp', 'self');
    assert.equal(classifyArg(node).kind, 'path');
    assert.equal(classifyArg(node.parent).kind, 'target');
    assert.equal(classifyArg({ kind: 'layer', parent: node.parent, changes: [] }).kind, 'target');
    assert.equal(classifyArg({ kind: 'backup', listing: { file: '/x.tar.gz' } }).kind, 'backup');
    assert.deepEqual(classifyArg({ archive: '/x.tar.gz', target: { kind: 'volume', volume: 'v2' } }), {
      kind: 'restore',
      archive: '/x.tar.gz',
      target: { kind: 'volume', volume: 'v2' },
    });
    assert.deepEqual(classifyArg({ archive: '/x.tar.gz', target: { kind: 'volume' } }), { kind: 'restore', archive: '/x.tar.gz' });
    assert.deepEqual(classifyArg({ kind: 'volume', volume: 'v' }), { kind: 'source', source: { kind: 'volume', volume: 'v' } });
    assert.deepEqual(classifyArg({ container: 'web' }), { kind: 'container', container: 'web' });
    for (const other of [
      undefined,
      null,
      'x',
      3,
      [],
      { kind: 'group' },
      { kind: 'path' },
      { kind: 'volume' },
      { kind: 'message', text: 'x' },
    ]) {
      assert.equal(classifyArg(other).kind, 'none', JSON.stringify(other));
    }
  });
});
