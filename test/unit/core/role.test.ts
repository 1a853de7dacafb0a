import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget, pathsAtRisk } from '../../../src/core/analyze';
import { decideRole } from '../../../src/core/role';
import type { TargetInput } from '../../../src/core/types';

function target(over: Partial<TargetInput> = {}): TargetInput {
  return { kind: 'container', name: 't', env: {}, mounts: [], imageVolumes: [], rootStatus: 'writable-layer', ...over };
}

describe('workstation or service', () => {
  it('a redis container is a service: its /data first, no home catalog', () => {
    const r = analyzeTarget(
      target({
        image: 'redis:7',
        user: 'root',
        changes: [{ directory: '/root', added: 1, modified: 0, deleted: 0, examples: ['/root/.rediscli_history'] }],
      }),
    );
    assert.equal(r.role, 'service');
    assert.match(r.roleReason, /redis:7 serves data \(\/data\)/);
    assert.ok(!r.paths.some((p) => p.path.startsWith('/root/.') || p.path === '/tmp'), r.paths.map((p) => p.path).join(', '));
    assert.equal(r.paths[0]!.path, '/data', 'the database directory is the most alarming item');
    assert.equal(r.paths[0]!.criticality, 'critical');
    assert.equal(r.paths[0]!.atRisk, true);
  });

  it('a code-server container is a workstation, and lists ~/.ssh and ~/.gitconfig before they exist', () => {
    const r = analyzeTarget(
      target({
        image: 'codercom/code-server:4.100.3',
        env: { HOME: '/home/coder' },
        mounts: [{ target: '/home/coder/.config', status: 'named-volume', source: 'cfg', readOnly: false }],
      }),
    );
    assert.equal(r.role, 'workstation');
    assert.match(r.roleReason, /image made to work in/);
    const ssh = r.paths.find((p) => p.path === '/home/coder/.ssh');
    assert.ok(ssh?.atRisk && ssh.criticality === 'critical');
    assert.ok(r.paths.some((p) => p.path === '/home/coder/.gitconfig'));
  });

  it('decides from each kind of evidence, and says which', () => {
    const cases: Array<[Partial<TargetInput>, string, RegExp]> = [
      [{ kind: 'devcontainer' }, 'workstation', /dev container/],
      [{ labels: { 'devcontainer.config_file': '/w/.devcontainer/devcontainer.json' } }, 'workstation', /dev container/],
      [{ kind: 'self' }, 'workstation', /editor runs in/],
      [{ image: 'mcr.microsoft.com/devcontainers/typescript-node:22' }, 'workstation', /made to work in/],
      [{ image: 'postgres:17', env: { HOME: '/root' } }, 'service', /serves data/],
      [
        { mounts: [{ target: '/home/dev/.claude', status: 'named-volume', source: 'c', readOnly: false }] },
        'workstation',
        /under the home \(\/home\/dev\/\.claude\)/,
      ],
      [
        { changes: [{ directory: '/root/.ssh', added: 1, modified: 0, deleted: 0, examples: [] }] },
        'workstation',
        /writable layer holds files in the home/,
      ],
      [{ env: { CODEX_HOME: '/agent/codex' } }, 'workstation', /CODEX_HOME is set/],
      [{ env: { HOME: '/home/me' } }, 'workstation', /HOME is set/],
      [{ user: 'vscode' }, 'workstation', /runs as "vscode"/],
      [{ user: '999:999', image: 'nginx:1.27' }, 'service', /no sign that a person works in it/],
      [{ user: 'www-data' }, 'service', /no sign/],
    ];
    for (const [over, role, reason] of cases) {
      const d = decideRole(target(over));
      assert.equal(d.role, role, JSON.stringify(over));
      assert.match(d.reason, reason, JSON.stringify(over));
    }
  });

  it('a service lists its mounts, image VOLUMEs, data directories and writable-layer files, never its working directory', () => {
    const r = analyzeTarget(
      target({
        image: 'nginx:1.27',
        workingDir: '/usr/share/nginx',
        imageVolumes: ['/cache'],
        mounts: [{ target: '/etc/nginx/conf.d', status: 'bind-mount', source: '/srv/conf', readOnly: true }],
        changes: [{ directory: '/var/log', added: 2, modified: 0, deleted: 0, examples: ['/var/log/nginx/access.log'] }],
      }),
    );
    assert.deepEqual(r.paths.map((p) => p.path).sort(), ['/cache', '/etc/nginx/conf.d', '/var/log']);
  });
});

describe('what is at risk, and what holds data now', () => {
  it('ranks at-risk paths that hold data now above those merely at risk', () => {
    const r = analyzeTarget(
      target({
        env: { HOME: '/home/u' },
        changes: [{ directory: '/home/u/.bash_history', added: 1, modified: 0, deleted: 0, examples: ['/home/u/.bash_history'] }],
      }),
    );
    const history = r.paths.find((p) => p.path === '/home/u/.bash_history')!;
    assert.equal(history.holdsData, true);
    const ssh = r.paths.find((p) => p.path === '/home/u/.ssh')!;
    assert.equal(ssh.holdsData, undefined, 'nothing written there yet');
    assert.ok(r.paths.indexOf(ssh) < r.paths.indexOf(history), 'critical paths lead');
    const config = r.paths.find((p) => p.path === '/home/u/.config')!;
    assert.equal(config.criticality, 'high');
    assert.ok(r.paths.indexOf(history) < r.paths.indexOf(config), 'then what holds data now, above what is merely at risk');
  });

  it('a group around a path holds data there only when an example lies inside it', () => {
    const r = analyzeTarget(
      target({
        image: 'postgres:17',
        changes: [{ directory: '/var/lib', added: 3, modified: 0, deleted: 0, examples: ['/var/lib/postgresql/data/PG_VERSION'] }],
      }),
    );
    const pg = r.paths.find((p) => p.path === '/var/lib/postgresql/data');
    assert.ok(pg, r.paths.map((p) => p.path).join(', '));
    assert.equal(pg.holdsData, undefined, 'postgres 17 keeps /var/lib/postgresql/data in an anonymous volume, not the writable layer');
    const other = analyzeTarget(
      target({ changes: [{ directory: '/opt/app', added: 1, modified: 0, deleted: 0, examples: ['/opt/app/db.sqlite'] }] }),
    );
    assert.equal(other.paths.find((p) => p.path === '/opt/app')!.holdsData, true);
  });

  it('criticality none is never at risk, and one count serves every view', () => {
    const r = analyzeTarget(
      target({
        env: { HOME: '/home/u' },
        mounts: [
          { target: '/run', status: 'tmpfs', readOnly: false },
          { target: '/scratch', status: 'tmpfs', readOnly: false },
        ],
      }),
    );
    const tmp = r.paths.find((p) => p.path === '/tmp')!;
    const run = r.paths.find((p) => p.path === '/run')!;
    assert.equal(tmp.atRisk, false);
    assert.equal(run.atRisk, false);
    const scratch = r.paths.find((p) => p.path === '/scratch')!;
    assert.equal(scratch.atRisk, true, 'a tmpfs somebody mounted is flagged, at a low level');
    assert.equal(scratch.criticality, 'low');
    assert.equal(pathsAtRisk(r).length, r.paths.filter((p) => p.atRisk).length);
    assert.ok(pathsAtRisk(r).every((p) => p.criticality !== 'none'));
  });
});

describe('Coder workspaces', () => {
  it('script data directories are at risk even on a volume, and the reason names .coder-modules', () => {
    const r = analyzeTarget(
      target({
        image: 'ghcr.io/coder/envbuilder:1.1.0',
        env: {
          HOME: '/home/coder',
          CODER_AGENT_SCRIPT_DATA_DIR: '/home/coder/.local/share/coder-script-data',
          CODER_SCRIPT_BIN_DIR: '/tmp/coder-script-data/bin',
        },
        mounts: [{ target: '/home/coder', status: 'named-volume', source: 'coder-home', readOnly: false }],
        existingPaths: new Set(['/home/coder/.coder-modules']),
      }),
    );
    assert.equal(r.role, 'workstation');
    const data = r.paths.find((p) => p.path === '/home/coder/.local/share/coder-script-data')!;
    assert.equal(data.status, 'named-volume', 'the storage is a volume…');
    assert.equal(data.atRisk, true, '…and still nothing written there survives the next start');
    assert.equal(data.survives.restart, false);
    assert.match(data.reason, /orphaned at the next start, even on a volume.*\$HOME\/\.coder-modules\/<namespace>\/<module>\//);
    const modules = r.paths.find((p) => p.path === '/home/coder/.coder-modules')!;
    assert.equal(modules.category, 'agent-state');
    assert.equal(modules.criticality, 'high');
    assert.equal(modules.atRisk, false, 'kept in the home volume');
    const bin = r.paths.find((p) => p.path === '/tmp/coder-script-data/bin')!;
    assert.equal(bin.criticality, 'medium');
  });
});
