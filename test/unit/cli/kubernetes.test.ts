import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/main';
import { POD_EVENTS, POD_STATUSES } from '../../../src/core/types';
import { capture } from '../helpers/cli';

const DIR = join(__dirname, '..', '..', 'fixtures', 'kubernetes');

describe('scan --kubernetes (the CLI contract of issue 12)', () => {
  it('--json: kubernetes-container targets named <Kind>/<name>/<container>, pod statuses, the pod events, declaredAt', async () => {
    const c = capture();
    const code = await runCli(
      ['scan', '--kubernetes', join(DIR, 'code-server-persistence-off.yaml'), join(DIR, 'statefulset-retention.yaml'), '--json'],
      c.io,
    );
    assert.equal(code, 0, c.err.join(''));
    const out = JSON.parse(c.out.join(''));
    assert.deepEqual(
      out.targets.map((t: any) => [t.kind, t.name]),
      [
        ['kubernetes-container', 'Deployment/code-server/code-server'],
        ['kubernetes-container', 'StatefulSet/web/nginx'],
      ],
    );
    for (const t of out.targets) {
      for (const p of t.paths) {
        assert.ok(POD_STATUSES.includes(p.status), `${t.name} ${p.path}: ${p.status}`);
        assert.deepEqual(Object.keys(p.survives), [...POD_EVENTS]);
      }
    }
    const home = out.targets[0].paths.find((p: any) => p.path === '/home/coder');
    assert.equal(home.status, 'empty-dir');
    assert.equal(home.atRisk, true);
    assert.equal(home.declaredAt.line, 48);
    assert.equal(out.targets[0].atRisk > 0, true);
  });

  it('--fail-on critical fails for the chart without persistence and passes with it', async () => {
    const off = capture();
    assert.equal(await runCli(['scan', '--kubernetes', join(DIR, 'code-server-persistence-off.yaml'), '--fail-on', 'critical'], off.io), 1);
    const on = capture();
    assert.equal(
      await runCli(['scan', '--kubernetes', join(DIR, 'code-server-persistence-on.yaml'), '--fail-on', 'critical'], on.io),
      0,
      on.err.join(''),
    );
  });

  it('human output of a whole folder fits 120 columns', async () => {
    const c = capture();
    assert.equal(await runCli(['scan', '--kubernetes', DIR], c.io), 0, c.err.join(''));
    const lines = c.out.join('').split('\n');
    for (const l of lines) assert.ok([...l].length <= 120, `${[...l].length}: ${l}`);
    assert.match(c.out.join(''), /pod container Deployment\/code-server\/code-server/);
    assert.match(c.out.join(''), /emptyDir data +critical +SSH keys +lost on pod delete, uninstall/);
  });

  it('scan --mountinfo of a pod capture reports the pod statuses: the root is lost on a container restart', async () => {
    const c = capture();
    const file = join(__dirname, '..', '..', 'fixtures', 'mountinfo-kubernetes-local-pv.txt');
    assert.equal(await runCli(['scan', '--mountinfo', file, '--json'], c.io), 0, c.err.join(''));
    const t = JSON.parse(c.out.join('')).targets[0];
    assert.equal(t.kind, 'self');
    assert.equal(t.platform, 'kubernetes');
    for (const p of t.paths) {
      assert.ok(POD_STATUSES.includes(p.status), `${p.path}: ${p.status}`);
      assert.deepEqual(Object.keys(p.survives), [...POD_EVENTS]);
    }
    const tikv = t.paths.find((p: any) => p.path === '/var/lib/tikv');
    assert.equal(tikv.status, 'host-path');
    assert.match(tikv.reason, /Lifecycle unknown: check the pod's spec/);
    const root = t.paths.find((p: any) => p.status === 'writable-layer' && p.criticality !== 'none');
    assert.equal(root.survives.containerRestart, false);
    assert.equal(root.atRisk, true);
  });

  it('scan --mountinfo of a Docker capture keeps the Docker statuses and events', async () => {
    const c = capture();
    const file = join(__dirname, '..', '..', 'fixtures', 'mountinfo-docker-mixed.txt');
    assert.equal(await runCli(['scan', '--mountinfo', file, '--json'], c.io), 0);
    const t = JSON.parse(c.out.join('')).targets[0];
    assert.equal(t.platform, undefined);
    assert.deepEqual(Object.keys(t.paths[0].survives), ['restart', 'recreate', 'composeUp', 'composeDownVolumes', 'reboot']);
  });
});
