import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget, hasRiskAtOrAbove, inferHome } from '../../../src/core/analyze';
import { parseImageRef, wellKnownImageDataPaths } from '../../../src/core/images';
import type { PathReport, TargetInput, TargetReport } from '../../../src/core/types';

function target(over: Partial<TargetInput> = {}): TargetInput {
  return { kind: 'container', name: 't', env: {}, mounts: [], imageVolumes: [], rootStatus: 'writable-layer', ...over };
}

function path(report: TargetReport, p: string): PathReport {
  const found = report.paths.find((x) => x.path === p);
  assert.ok(found, `${p} is reported; got ${report.paths.map((x) => x.path).join(', ')}`);
  return found;
}

describe('analyzeTarget', () => {
  it('lists every mount point with its status, and hides plumbing', () => {
    const r = analyzeTarget(
      target({
        home: '/home/coder',
        mounts: [
          { target: '/home/coder/.config', status: 'named-volume', source: 'cfg', readOnly: false },
          { target: '/proc', status: 'tmpfs', readOnly: false, pseudo: true },
          { target: '/dev/shm', status: 'tmpfs', readOnly: false },
          { target: '/scratch', status: 'tmpfs', readOnly: false },
        ],
      }),
    );
    const cfg = path(r, '/home/coder/.config');
    assert.equal(cfg.status, 'named-volume');
    assert.equal(cfg.source, 'cfg');
    assert.equal(cfg.atRisk, false);
    assert.equal(cfg.criticality, 'high', 'the catalog names ~/.config');
    assert.equal(path(r, '/scratch').status, 'tmpfs');
    assert.ok(!r.paths.some((p) => p.path.startsWith('/proc') || p.path.startsWith('/dev')));
  });

  it('turns an uncovered image VOLUME into an anonymous volume, and a covered one into nothing new', () => {
    const r = analyzeTarget(
      target({ imageVolumes: ['/data', '/cache'], mounts: [{ target: '/cache', status: 'named-volume', source: 'c', readOnly: false }] }),
    );
    assert.equal(path(r, '/data').status, 'anonymous-volume');
    assert.equal(path(r, '/data').origin, 'image-volume');
    assert.equal(path(r, '/data').atRisk, true);
    assert.equal(path(r, '/cache').status, 'named-volume');
  });

  it('knows the data directories of well-known database images without the image', () => {
    const pg16 = analyzeTarget(target({ image: 'postgres:16-alpine' }));
    const data = path(pg16, '/var/lib/postgresql/data');
    assert.equal(data.status, 'anonymous-volume');
    assert.equal(data.criticality, 'critical');
    assert.equal(data.category, 'database');
    const pg18 = analyzeTarget(
      target({
        image: 'docker.io/library/postgres:18',
        mounts: [{ target: '/var/lib/postgresql', status: 'named-volume', source: 'pg', readOnly: false }],
      }),
    );
    assert.equal(path(pg18, '/var/lib/postgresql').atRisk, false);
    assert.equal(path(analyzeTarget(target({ image: 'redis' })), '/data').criticality, 'critical');
  });

  it('follows PGDATA', () => {
    const r = analyzeTarget(target({ image: 'postgres:15', env: { PGDATA: '/pg/data' } }));
    assert.equal(path(r, '/pg/data').category, 'database');
  });

  it('puts always-present catalog paths under the home, and others only with evidence', () => {
    const bare = analyzeTarget(target({ home: '/home/u' }));
    for (const p of ['/home/u', '/home/u/.config', '/home/u/.local/share', '/home/u/.cache', '/home/u/.bash_history', '/tmp'])
      path(bare, p);
    // A workstation lists ~/.ssh and ~/.gitconfig before they exist: the day they are created they are at risk.
    assert.equal(path(bare, '/home/u/.ssh').atRisk, true);
    path(bare, '/home/u/.gitconfig');
    assert.ok(!bare.paths.some((p) => p.path === '/home/u/.aws' || p.path === '/home/u/.rustup'), 'no evidence of AWS or Rust');
    const withKeys = analyzeTarget(target({ home: '/home/u', existingPaths: new Set(['/home/u/.ssh']) }));
    const ssh = path(withKeys, '/home/u/.ssh');
    assert.equal(ssh.criticality, 'critical');
    assert.equal(ssh.category, 'credentials');
    assert.equal(ssh.atRisk, true);
    assert.match(ssh.reason, /writable layer/);
  });

  it('moves catalog paths with the environment', () => {
    const r = analyzeTarget(
      target({
        home: '/home/u',
        env: { XDG_CONFIG_HOME: '/cfg', CODEX_HOME: '/agents/codex', HISTFILE: '/hist/.bash_history', XDG_DATA_HOME: 'relative/ignored' },
      }),
    );
    assert.equal(path(r, '/cfg').category, 'config');
    assert.equal(path(r, '/agents/codex').category, 'agent-state');
    assert.equal(path(r, '/hist/.bash_history').category, 'shell-history');
    path(r, '/home/u/.local/share');
  });

  it('gives a mount inside a catalog path that path’s importance', () => {
    const r = analyzeTarget(
      target({ home: '/root', mounts: [{ target: '/root/.ssh/keys', status: 'tmpfs', readOnly: false }], existingPaths: new Set() }),
    );
    assert.equal(path(r, '/root/.ssh/keys').criticality, 'critical');
  });

  it('classifies a symlinked path by where it leads', () => {
    const r = analyzeTarget(
      target({
        home: '/home/u',
        mounts: [{ target: '/data', status: 'named-volume', source: 'd', readOnly: false }],
        existingPaths: new Set(['/home/u/.claude']),
        resolvedPaths: new Map([['/home/u/.claude', '/data/claude']]),
      }),
    );
    const claude = path(r, '/home/u/.claude');
    assert.equal(claude.status, 'named-volume');
    assert.equal(claude.atRisk, false);
    assert.match(claude.reason, /^A symlink to \/data\/claude\. Kept in the named volume "d"/);
  });

  it('treats a read-only mount as safe from loss', () => {
    const r = analyzeTarget(target({ mounts: [{ target: '/ro', status: 'tmpfs', readOnly: true }] }));
    assert.equal(path(r, '/ro').atRisk, false);
    assert.match(path(r, '/ro').reason, /read-only/);
  });

  it('sorts at-risk first, then by criticality', () => {
    const r = analyzeTarget(
      target({
        home: '/home/u',
        workingDir: '/app',
        mounts: [{ target: '/home/u/.cache', status: 'named-volume', source: 'c', readOnly: false }],
      }),
    );
    const firstSafe = r.paths.findIndex((p) => !p.atRisk);
    assert.ok(firstSafe > 0);
    assert.ok(r.paths.slice(firstSafe).every((p) => !p.atRisk));
    assert.equal(r.paths[0]!.path, '/app', 'the working directory is critical');
  });

  it('lists what the writable layer holds', () => {
    const r = analyzeTarget(
      target({ changes: [{ directory: '/opt/app', added: 3, modified: 0, deleted: 0, examples: ['/opt/app/db.sqlite'] }] }),
    );
    const p = path(r, '/opt/app');
    assert.equal(p.origin, 'writable-layer');
    assert.equal(p.status, 'writable-layer');
    assert.deepEqual(r.changes?.[0]?.examples, ['/opt/app/db.sqlite']);
    const deletedOnly = analyzeTarget(
      target({ changes: [{ directory: '/usr/bin', added: 0, modified: 0, deleted: 2, examples: ['/usr/bin/tar'] }] }),
    );
    assert.ok(!deletedOnly.paths.some((p) => p.path === '/usr/bin'), 'deletions alone hold nothing to lose');
  });

  it('trips --fail-on at or above a level only', () => {
    const r = analyzeTarget(target({ home: '/home/u' }));
    assert.equal(hasRiskAtOrAbove(r, 'high'), true, '~/.config is high and at risk');
    assert.equal(hasRiskAtOrAbove(r, 'critical'), true, '~/.ssh is listed on a workstation and critical');
    const service = analyzeTarget(
      target({
        mounts: [{ target: '/srv', status: 'named-volume', source: 's', readOnly: false }],
        changes: [{ directory: '/var/cache', added: 1, modified: 0, deleted: 0, examples: ['/var/cache/x'] }],
      }),
    );
    assert.equal(hasRiskAtOrAbove(service, 'high'), false, 'only a medium writable-layer group is at risk');
    const safe = analyzeTarget(
      target({ home: '/home/u', mounts: [{ target: '/home/u', status: 'named-volume', source: 'h', readOnly: false }] }),
    );
    assert.equal(hasRiskAtOrAbove(safe, 'low'), false, 'only /tmp (criticality none) is at risk');
  });
});

describe('inferHome', () => {
  it('prefers HOME, then XDG dirs, then mounts, then the user name', () => {
    assert.equal(inferHome({ env: { HOME: '/h' }, mounts: [] }), '/h');
    assert.equal(inferHome({ env: { XDG_CONFIG_HOME: '/home/ann/.config' }, mounts: [] }), '/home/ann');
    assert.equal(inferHome({ env: {}, mounts: [{ target: '/home/bob/.ssh', status: 'bind-mount', readOnly: true }] }), '/home/bob');
    assert.equal(inferHome({ env: {}, mounts: [], user: 'root' }), '/root');
    assert.equal(inferHome({ env: {}, mounts: [], user: 'node' }), '/home/node');
    assert.equal(inferHome({ env: {}, mounts: [], user: '1000' }), undefined);
  });
});

describe('image references', () => {
  it('parses registry, tag and digest', () => {
    assert.deepEqual(parseImageRef('localhost:5000/library/postgres:17.2-bookworm'), { name: 'postgres', tag: '17.2-bookworm', major: 17 });
    assert.deepEqual(parseImageRef('postgres@sha256:abc'), { name: 'postgres' });
    assert.deepEqual(parseImageRef('localhost:5000/app'), { name: 'app' });
  });

  it('maps mongo to both of its VOLUMEs', () => {
    assert.deepEqual(
      wellKnownImageDataPaths('mongo:7').map((d) => d.path),
      ['/data/db', '/data/configdb'],
    );
    assert.deepEqual(wellKnownImageDataPaths('bitnami/postgresql:16'), []);
  });
});
