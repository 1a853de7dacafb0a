import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../../src/cli/main';
import { LiveMountTable } from '../../../../src/sources/self';
import { capture } from '../../helpers/cli';

const fixture = (name: string) => resolve(__dirname, '../../../fixtures', name);

describe('where, inside a pod: the pod table (what the status bar and the save warning ask)', () => {
  it('an emptyDir survives a container restart but not the pod; the writable layer not even a restart', () => {
    // a real pod capture (solarwinds/apm-go, cited in the fixture's test): a read-only root, an emptyDir at /tmp
    const t = LiveMountTable.load(fixture('mountinfo-kubernetes-emptydir-readonly-root.txt'));
    const tmp = t.where('/tmp/x');
    assert.equal(tmp.pod?.status, 'empty-dir');
    assert.equal(tmp.survives.restart, true, 'a container restart keeps an emptyDir');
    assert.equal(tmp.survives.recreate, false, 'a pod delete loses it');
    const minikube = LiveMountTable.load(fixture('mountinfo-kubernetes-minikube.txt'));
    const root = minikube.where('/srv/state');
    assert.equal(root.pod?.status, 'writable-layer');
    assert.equal(root.survives.restart, false, 'the kubelet starts a new container: the writable layer is lost on a restart');
  });

  it("the CLI says it in the pod table's words, and Docker containers keep theirs", async () => {
    const c = capture();
    await runCli(['where', '--mountinfo', fixture('mountinfo-kubernetes-emptydir-readonly-root.txt'), '/tmp/x'], c.io);
    assert.match(c.out.join(''), /empty-dir .* lost on podDelete, releaseDelete/);
    const d = capture();
    await runCli(['where', '--mountinfo', fixture('mountinfo-docker-mixed.txt'), '/data/x'], d.io);
    assert.match(d.out.join(''), /anonymous-volume .* lost on recreate, down -v/);
    assert.equal(LiveMountTable.load(fixture('mountinfo-docker-mixed.txt')).where('/data/x').pod, undefined);
  });
});
