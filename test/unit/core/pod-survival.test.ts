import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import { basePodSurvival, isAtRiskInPod, podSurvivalOf } from '../../../src/core/pod-survival';
import { POD_EVENTS, POD_STATUSES, type TargetInput } from '../../../src/core/types';

describe('pod survival table', () => {
  // The table as issue 12 and docs/kubernetes.md state it, restated on purpose so the code cannot drift from it.
  // Columns: containerRestart, podDelete, nodeReboot, releaseDelete, pvcDelete.
  const documented = {
    'writable-layer': [false, false, false, false, true],
    'empty-dir': [true, false, true, false, true],
    pvc: [true, true, true, true, false],
    'ephemeral-pvc': [true, false, true, false, false],
    'host-path': [true, true, true, true, true],
    config: [true, true, true, false, true],
    'image-volume': [true, true, true, true, true],
  } as const;

  for (const status of POD_STATUSES) {
    it(`${status} matches the documented row`, () => {
      const s = basePodSurvival(status);
      assert.deepEqual(
        POD_EVENTS.map((e) => s[e]),
        [...documented[status]],
      );
    });
  }

  it('a Memory emptyDir is lost on a node reboot too', () => {
    assert.equal(podSurvivalOf({ status: 'empty-dir', medium: 'Memory' }).nodeReboot, false);
    assert.equal(podSurvivalOf({ status: 'empty-dir' }).nodeReboot, true);
  });

  it('a claim its owner deletes is lost on releaseDelete, unless its reclaim policy is Retain', () => {
    assert.equal(podSurvivalOf({ status: 'pvc', keptOnReleaseDelete: false }).releaseDelete, false);
    assert.equal(podSurvivalOf({ status: 'pvc', keptOnReleaseDelete: true }).releaseDelete, true);
    const retained = podSurvivalOf({ status: 'pvc', keptOnReleaseDelete: false, reclaimPolicy: 'Retain' });
    assert.equal(retained.releaseDelete, true);
    assert.equal(retained.pvcDelete, true);
  });

  it('at risk means lost when the pod goes, and writable', () => {
    assert.equal(isAtRiskInPod(basePodSurvival('empty-dir'), false), true);
    assert.equal(isAtRiskInPod(basePodSurvival('empty-dir'), true), false);
    assert.equal(isAtRiskInPod(basePodSurvival('pvc'), false), false);
    assert.equal(isAtRiskInPod(basePodSurvival('writable-layer'), false), true);
  });
});

describe('analyze with the pod table', () => {
  const input: TargetInput = {
    kind: 'kubernetes-container',
    platform: 'kubernetes',
    name: 'Deployment/code-server/code-server',
    image: 'codercom/code-server:4.100.3',
    home: '/home/coder',
    env: {},
    imageVolumes: [],
    rootStatus: 'writable-layer',
    mounts: [
      { target: '/home/coder', status: 'anonymous-volume', readOnly: false, pod: { status: 'empty-dir', volume: 'data' } },
      {
        target: '/home/coder/.ssh',
        status: 'named-volume',
        readOnly: false,
        pod: { status: 'pvc', claim: 'ssh', reclaimPolicy: 'Retain' },
      },
    ],
  };

  it('reports pod statuses, the pod events and atRisk by podDelete', () => {
    const r = analyzeTarget(input);
    assert.equal(r.platform, 'kubernetes');
    const home = r.paths.find((p) => p.path === '/home/coder')!;
    assert.equal(home.pod?.status, 'empty-dir');
    assert.equal(home.atRisk, true);
    assert.match(home.reason, /emptyDir "data"/);
    const ssh = r.paths.find((p) => p.path === '/home/coder/.ssh')!;
    assert.equal(ssh.pod?.status, 'pvc');
    assert.equal(ssh.atRisk, false);
    assert.deepEqual(Object.keys(ssh.pod!.survives), [...POD_EVENTS]);
  });

  it('the root of a pod container is the writable layer, lost on a container restart', () => {
    const r = analyzeTarget({ ...input, mounts: [] });
    const home = r.paths.find((p) => p.path === '/home/coder')!;
    assert.equal(home.pod?.status, 'writable-layer');
    assert.equal(home.pod?.survives.containerRestart, false);
    assert.equal(home.atRisk, true);
  });

  it('a Docker target has no pod view', () => {
    const r = analyzeTarget({ ...input, kind: 'container', platform: undefined, mounts: [] } as TargetInput);
    assert.ok(r.paths.every((p) => p.pod === undefined));
    assert.equal(r.platform, undefined);
  });
});
