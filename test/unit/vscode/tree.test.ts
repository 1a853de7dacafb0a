import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import type { PathReport, ScanResult, TargetInput } from '../../../src/core/types';
import { persistCandidates } from '../../../src/vscode/paths/persist-candidates';
import { buildPathsTree, contextValueOf, localFolderOf, nodeForFile } from '../../../src/vscode/tree/build';
import type { GroupNode, PathNode, PathsNode, TargetNode } from '../../../src/vscode/tree/nodes';
import {
  changesDescription,
  pathDescription,
  pathIcon,
  pathTooltip,
  survivalSentences,
  targetLabel,
} from '../../../src/vscode/tree/present';

function input(over: Partial<TargetInput>): TargetInput {
  return { kind: 'container', name: 'c', env: {}, mounts: [], imageVolumes: [], rootStatus: 'writable-layer', ...over };
}

const codeServer = input({
  kind: 'self',
  name: 'ws',
  id: 'abc123',
  home: '/home/coder',
  mounts: [
    { target: '/home/coder/.config', status: 'named-volume', source: 'cfg', readOnly: false },
    { target: '/home/coder/project', status: 'bind-mount', source: '/srv/project', readOnly: false },
    { target: '/scratch', status: 'tmpfs', readOnly: false },
  ],
  labels: {
    'com.docker.compose.project': 'dev',
    'com.docker.compose.service': 'ide',
    'com.docker.compose.project.config_files': '/w/compose.yaml',
  },
  changes: [{ directory: '/home/coder/notes', added: 3, modified: 1, deleted: 0, examples: ['/home/coder/notes/a.md'] }],
});
const db = input({
  name: 'db-1',
  image: 'postgres:17',
  state: 'running',
  labels: { 'com.docker.compose.project': 'dev', 'com.docker.compose.service': 'db' },
});
const loose = input({ name: 'loose', state: 'exited' });
const service = input({
  kind: 'compose-service',
  name: 'api',
  file: '/w/compose.yaml',
  mounts: [{ target: '/data', status: 'anonymous-volume', readOnly: false, declaredAt: { file: '/w/compose.yaml', line: 4, column: 9 } }],
});

function scanOf(...targets: TargetInput[]): ScanResult {
  return {
    targets: targets.map(analyzeTarget),
    warnings: [],
    docker: { asked: true, reachable: true, endpoint: 'unix:///var/run/docker.sock' },
  };
}

const nothingExists = () => false;

function paths(tree: ReturnType<typeof buildPathsTree>, root: PathsNode): PathNode[] {
  return tree.childrenOf(root).flatMap((g) => tree.childrenOf(g).filter((n): n is PathNode => n.kind === 'path'));
}

describe('the Paths tree', () => {
  it('puts this container first, then compose projects, lone containers and config files', () => {
    const tree = buildPathsTree(scanOf(loose, db, codeServer, service), { exists: nothingExists, workspaceRoot: '/w' });
    const labels = tree.roots.map((n) =>
      n.kind === 'target' ? `${n.rootKind}:${n.target.name}` : n.kind === 'project' ? `project:${n.name}` : n.kind,
    );
    assert.deepEqual(labels, ['self:ws', 'project:dev', 'container:loose', 'project:compose.yaml']);
    assert.equal(tree.self?.target.name, 'ws');
  });

  it('groups paths at risk before persistent ones, critical first, then what holds data, and knows every parent', () => {
    const tree = buildPathsTree(scanOf(codeServer), { exists: nothingExists });
    const self = tree.self!;
    const groups = tree.childrenOf(self).filter((n): n is GroupNode => n.kind === 'group');
    assert.deepEqual(
      groups.map((g) => g.group),
      ['at-risk', 'persistent', 'temporary'],
    );
    assert.deepEqual(
      groups[2]!.paths.map((p) => p.path),
      ['/tmp'],
      '/tmp is lost by design: neither at risk nor persistent',
    );
    const rank = (p: PathReport) => ['critical', 'high', 'medium', 'low', 'none'].indexOf(p.criticality);
    for (const g of groups) {
      assert.equal(tree.parentOf(g), self);
      // the core's order: critical, then the paths that hold data now, then by criticality
      const keys = g.paths.map((p) => [p.criticality === 'critical' ? 0 : 1, p.holdsData ? 0 : 1, rank(p)]);
      assert.deepEqual(
        keys,
        [...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!),
        `${g.group} is in the core's order`,
      );
      for (const n of tree.childrenOf(g)) assert.equal(tree.parentOf(n), g);
    }
    const atRisk = groups[0]!.paths;
    const notes = atRisk.findIndex((p) => p.path === '/home/coder/notes');
    const config = atRisk.findIndex((p) => p.path === '/home/coder/.bash_history');
    assert.ok(notes >= 0 && notes < config, 'the folder that holds files now comes before a high path merely at risk');
    assert.equal(pathDescription(atRisk[notes]!), 'holds data · writable layer');
    assert.deepEqual(pathIcon(atRisk[notes]!), { id: 'warning', color: 'charts.red' });
    assert.ok(groups[0]!.paths.every((p) => p.atRisk) && groups[1]!.paths.every((p) => !p.atRisk && (p.survives.recreate || p.readOnly)));
    const layer = tree.childrenOf(self).find((n) => n.kind === 'layer');
    assert.ok(layer && layer.kind === 'layer');
    assert.equal(tree.childrenOf(layer).length, 1);
    assert.equal(changesDescription(layer.changes[0]!), '3 added · 1 modified');
  });

  it("a service's critical database directory is its most alarming item: first, and a red warning even in an anonymous volume", () => {
    const anon = 'ead639796dc3140643c2c4c031b227e0a033d2fffe64c30120359130d9313376';
    const redis = analyzeTarget(
      input({ name: 'cache', image: 'redis:7', mounts: [{ target: '/data', status: 'anonymous-volume', source: anon, readOnly: false }] }),
    );
    const data = redis.paths[0]!;
    assert.equal(data.path, '/data');
    assert.deepEqual(pathIcon(data), { id: 'warning', color: 'charts.red' });
    assert.equal(pathDescription(data), 'anonymous volume · ead639796dc3', '12 hex, as docker volume ls shows it');
    assert.ok(pathTooltip(data).includes(anon), 'the whole id in the tooltip');
  });

  it('calls the container the editor runs in "This pod" inside a pod', () => {
    const inPod = analyzeTarget(input({ kind: 'self', name: 'ws', platform: 'kubernetes', mounts: [] }));
    assert.equal(targetLabel(inPod, 'self'), 'This pod');
  });

  it('names a compose container by its service, and the scaled ones by their number', () => {
    const one = analyzeTarget(
      input({
        name: 'dev-db-1',
        labels: { 'com.docker.compose.project': 'dev', 'com.docker.compose.service': 'db', 'com.docker.compose.container-number': '1' },
      }),
    );
    const two = analyzeTarget(
      input({
        name: 'dev_web_2',
        labels: { 'com.docker.compose.project': 'dev', 'com.docker.compose.service': 'web', 'com.docker.compose.container-number': '2' },
      }),
    );
    assert.equal(targetLabel(one, 'container'), 'db');
    assert.equal(targetLabel(two, 'container'), 'web #2');
    assert.equal(targetLabel(analyzeTarget(loose), 'container'), 'loose');
    assert.equal(targetLabel(one, 'self'), 'This container');
  });

  it('gives stable ids, the same for the same scan twice', () => {
    const a = buildPathsTree(scanOf(codeServer, db), { exists: nothingExists });
    const b = buildPathsTree(scanOf(codeServer, db), { exists: nothingExists });
    const ids = (t: typeof a) => t.roots.flatMap((r) => [t.idOf(r), ...t.childrenOf(r).map((c) => t.idOf(c))]);
    assert.deepEqual(ids(a), ids(b));
    assert.equal(new Set(ids(a)).size, ids(a).length, 'ids are unique');
  });

  it('sets the contextValue tokens the menus match', () => {
    const exists = (p: string) => p === '/home/coder/.config' || p === '/srv/project';
    const tree = buildPathsTree(scanOf(codeServer, service), { exists });
    const byPath = new Map(paths(tree, tree.self!).map((n) => [n.path.path, n]));
    const tokens = (n: PathsNode) => contextValueOf(n, exists).split(' ');
    assert.ok(tokens(byPath.get('/home/coder/.config')!).includes('backupable'));
    assert.ok(tokens(byPath.get('/home/coder/.config')!).includes('reachable'));
    assert.ok(!tokens(byPath.get('/home/coder/.config')!).includes('persistable'), 'a persistent path offers no fix');
    const scratch = tokens(byPath.get('/scratch')!);
    assert.ok(scratch.includes('atRisk') && scratch.includes('persistable') && scratch.includes('tmpfs'));
    assert.ok(tokens(tree.self!).includes('rescuable'), 'this container, known to the engine, can be rescued');

    const file = tree.roots.find((n) => n.kind === 'project')!;
    const api = tree.childrenOf(file)[0] as TargetNode;
    const data = paths(tree, api).find((n) => n.path.path === '/data')!;
    const t = tokens(data);
    assert.ok(t.includes('declared') && t.includes('persistable'));
    assert.ok(!t.includes('backupable'), 'nothing runs for a config file: nothing to back up');
    assert.ok(!tokens(api).includes('rescuable'));
  });

  it('without a daemon, engine-only actions are not offered', () => {
    const scan = { ...scanOf(codeServer), docker: { asked: true, reachable: false } };
    const tree = buildPathsTree(scan, { exists: nothingExists });
    assert.ok(!contextValueOf(tree.self!, nothingExists).includes('rescuable'));
    const cfg = paths(tree, tree.self!).find((n) => n.path.path === '/home/coder/.config')!;
    assert.ok(!contextValueOf(cfg, nothingExists).includes('backupable'), 'the volume is out of reach and not on this file system');
  });

  it('finds the deepest listed path for a file, for "Show in Persistence view"', () => {
    const tree = buildPathsTree(scanOf(codeServer), { exists: nothingExists });
    assert.equal(nodeForFile(tree, '/home/coder/.config/code-server/settings.json')?.path.path, '/home/coder/.config');
    assert.equal(nodeForFile(tree, '/home/coder/project/src/a.ts')?.path.path, '/home/coder/project');
    assert.equal(nodeForFile(tree, '/home/coder/.configs/x')?.path.path, '/home/coder', 'whole path components only');
  });

  it("opens a bind mount's host folder from a host, and a path itself inside the container", () => {
    const tree = buildPathsTree(
      scanOf(input({ name: 'web', mounts: [{ target: '/app', status: 'bind-mount', source: '/srv/app', readOnly: false }] })),
      { exists: nothingExists },
    );
    const app = paths(tree, tree.roots[0]!).find((n) => n.path.path === '/app')!;
    assert.equal(
      localFolderOf(app, (p) => p === '/srv/app'),
      '/srv/app',
    );
    assert.equal(localFolderOf(app, nothingExists), undefined);
  });
});

describe('what the tree says', () => {
  it('describes a path by its status words and source', () => {
    const r = analyzeTarget(codeServer);
    const get = (p: string) => r.paths.find((x) => x.path === p)!;
    assert.equal(pathDescription(get('/home/coder/.config')), 'named volume · cfg');
    assert.equal(pathDescription(get('/home/coder/project')), 'bind mount · /srv/project');
    assert.equal(pathDescription(get('/scratch')), 'tmpfs');
  });

  it('puts the survival row in words in the tooltip', () => {
    const scratch = analyzeTarget(codeServer).paths.find((x) => x.path === '/scratch')!;
    const tip = pathTooltip(scratch);
    assert.match(tip, /\*\*Survives:\*\* nothing: not even a restart/);
    assert.match(tip, /\*\*Lost on:\*\* a restart/);
    assert.match(tip, /\| ✗ \| ✗ \| ✗ \| ✗ \| ✗ \|/);
    const words = survivalSentences({ restart: true, recreate: true, composeUp: true, composeDownVolumes: false, reboot: true });
    assert.match(words.lost, /^docker compose down -v$/);
    assert.match(words.survives, /and a host reboot$/);
  });
});

describe('which file a persist edits', () => {
  it("uses a container's compose labels, or every declared service of the workspace for an unlabelled container", () => {
    const tree = buildPathsTree(scanOf(codeServer, service), { exists: nothingExists });
    assert.deepEqual(
      persistCandidates(tree.self!, undefined).map((c) => [c.file, c.service]),
      [['/w/compose.yaml', 'ide']],
    );

    const bare = { ...codeServer, labels: {} };
    const scan = scanOf(bare, service);
    const t2 = buildPathsTree(scan, { exists: nothingExists });
    assert.deepEqual(
      persistCandidates(t2.self!, scan).map((c) => [c.file, c.service]),
      [['/w/compose.yaml', 'api']],
    );

    const lone = buildPathsTree(scanOf(loose), { exists: nothingExists }).roots[0] as TargetNode;
    assert.deepEqual(persistCandidates(lone, scan), [], 'docker run: no file declares it');
  });
});

describe('tree niceties', () => {
  it("finds a compose service's own line, not a key of the same name nested in another service", async () => {
    const { declarationLineOf } = await import('../../../src/vscode/tree/build');
    const text = [
      'name: x',
      'services:',
      '  web:',
      '    depends_on:',
      '      db:',
      '        condition: service_started',
      '  # the database',
      '  "db":',
      '    image: postgres',
      'volumes:',
      '  db:',
      '',
    ].join('\n');
    assert.equal(declarationLineOf(text, 'db'), 8);
    assert.equal(declarationLineOf(text, 'web'), 3);
    assert.equal(declarationLineOf(text, 'cache'), undefined);
    assert.equal(declarationLineOf('{}', 'db'), undefined);
  });

  it('a container declared by a compose file that exists offers Reveal Declaration', async () => {
    const { buildPathsTree, contextValueOf } = await import('../../../src/vscode/tree/build');
    const labels = {
      'com.docker.compose.project': 'demo',
      'com.docker.compose.service': 'db',
      'com.docker.compose.project.config_files': '/w/compose.yaml',
    };
    const tree = buildPathsTree(
      {
        targets: [{ kind: 'container', name: 'demo-db-1', id: 'c'.repeat(64), role: 'service', roleReason: 't', paths: [], labels }],
        warnings: [],
      } as never,
      { exists: () => false },
    );
    const target = tree.childrenOf(tree.roots[0]!)[0]!;
    assert.match(
      contextValueOf(target, (f) => f === '/w/compose.yaml'),
      /\bdeclared\b/,
    );
    assert.doesNotMatch(
      contextValueOf(target, () => false),
      /\bdeclared\b/,
    );
  });
});
