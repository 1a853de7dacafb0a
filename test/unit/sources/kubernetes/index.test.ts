import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../../src/core/analyze';
import { InputError, type TargetReport } from '../../../../src/core/types';
import { loadKubernetesManifests, parseManifestText } from '../../../../src/sources/kubernetes/index';

const DIR = join(__dirname, '..', '..', '..', 'fixtures', 'kubernetes');
const fixture = (name: string): string => join(DIR, name);

async function reports(...files: string[]): Promise<{ targets: TargetReport[]; warnings: string[] }> {
  const p = await loadKubernetesManifests(files.map(fixture));
  return { targets: p.targets.map(analyzeTarget), warnings: p.warnings };
}

function path(t: TargetReport | undefined, p: string) {
  const found = t?.paths.find((x) => x.path === p);
  assert.ok(found, `${p} in ${t?.name}: ${t?.paths.map((x) => x.path).join(', ')}`);
  return found;
}

describe('Kubernetes manifests: real charts and templates', () => {
  it('code-server chart, persistence off: the home is an emptyDir, lost when the pod goes', async () => {
    const { targets } = await reports('code-server-persistence-off.yaml');
    assert.deepEqual(
      targets.map((t) => t.name),
      ['Deployment/code-server/code-server'],
    );
    const t = targets[0]!;
    assert.equal(t.kind, 'kubernetes-container');
    assert.equal(t.platform, 'kubernetes');
    const home = path(t, '/home/coder');
    assert.equal(home.pod?.status, 'empty-dir');
    assert.equal(home.atRisk, true);
    assert.deepEqual(home.pod?.survives, {
      containerRestart: true,
      podDelete: false,
      nodeReboot: true,
      releaseDelete: false,
      pvcDelete: true,
    });
    // declaredAt: the volumeMount (line 48 of the fixture), and the volume itself (line 58).
    assert.deepEqual(home.declaredAt, { file: fixture('code-server-persistence-off.yaml'), line: 48, column: 13 });
    assert.deepEqual(home.pod?.storage.volumeDeclaredAt, { file: fixture('code-server-persistence-off.yaml'), line: 58, column: 9 });
    assert.equal(path(t, '/home/coder/.ssh').atRisk, true);
  });

  it('code-server chart, persistence on: a Helm-managed claim without keep is lost on helm uninstall', async () => {
    const { targets, warnings } = await reports('code-server-persistence-on.yaml');
    assert.deepEqual(
      targets.map((t) => t.name),
      ['Deployment/code-server/init-chmod-data', 'Deployment/code-server/code-server'],
    );
    const main = targets[1]!;
    const home = path(main, '/home/coder');
    assert.equal(home.pod?.status, 'pvc');
    assert.equal(home.atRisk, false);
    assert.equal(home.pod?.storage.claim, 'code-server');
    assert.deepEqual(home.pod?.storage.accessModes, ['ReadWriteOnce']);
    assert.equal(home.pod?.storage.owner, 'Helm release code-server');
    assert.equal(home.pod?.survives.releaseDelete, false);
    assert.equal(home.pod?.survives.pvcDelete, false);
    // strategy Recreate: one pod at a time, so the RWO claim is fine.
    assert.deepEqual(warnings, []);
    // The init container (runAsUser 0) lists no /root catalog: it runs to completion before the others.
    assert.ok(!targets[0]!.paths.some((p) => p.path.startsWith('/root')), targets[0]!.paths.map((p) => p.path).join(', '));
  });

  it('helm.sh/resource-policy: keep makes the claim outlive the release', async () => {
    const text = (await import('node:fs'))
      .readFileSync(fixture('code-server-persistence-on.yaml'), 'utf8')
      .replace('  namespace: default\n', '  namespace: default\n  annotations:\n    helm.sh/resource-policy: keep\n');
    const dir = mkdtempSync(join(tmpdir(), 'pl-k8s-'));
    writeFileSync(join(dir, 'r.yaml'), text);
    const p = await loadKubernetesManifests([join(dir, 'r.yaml')]);
    const home = path(analyzeTarget(p.targets[1]!), '/home/coder');
    assert.equal(home.pod?.storage.keptOnReleaseDelete, true);
    assert.equal(home.pod?.survives.releaseDelete, true);
  });

  it("Coder's workspace template: the home claim goes with the workspace", async () => {
    const { targets } = await reports('coder-workspace.yaml');
    const t = targets[0]!;
    assert.equal(t.name, 'Pod/coder-alice-dev/dev');
    assert.equal(t.role, 'workstation');
    const home = path(t, '/home/coder');
    assert.equal(home.pod?.status, 'pvc');
    assert.equal(home.pod?.storage.owner, 'Coder workspace dev');
    assert.equal(home.pod?.survives.releaseDelete, false);
    assert.equal(home.atRisk, false);
  });

  it('a StatefulSet claim template follows its retention policy and its class', async () => {
    const { targets } = await reports('statefulset-retention.yaml');
    const html = path(targets[0], '/usr/share/nginx/html');
    assert.equal(html.pod?.status, 'pvc');
    assert.equal(html.pod?.storage.claim, 'www-web-0');
    assert.equal(html.pod?.storage.storageClass, 'my-storage-class');
    assert.equal(html.pod?.storage.reclaimPolicy, 'Delete');
    assert.match(html.pod!.storage.owner!, /StatefulSet\/web \(whenDeleted: Delete, whenScaled: Retain\)/);
    assert.equal(html.pod?.survives.releaseDelete, false);
    assert.equal(html.pod?.survives.podDelete, true);
    assert.equal(html.atRisk, false);
  });

  it('a generic ephemeral volume is owned by the pod; hostPath is node-bound; a Memory emptyDir is lost on reboot', async () => {
    const { targets } = await reports('ephemeral-and-hostpath.yaml');
    const eph = path(
      targets.find((t) => t.name === 'Pod/ephemeral-example/nginx-inline'),
      '/var/lib/www/html',
    );
    assert.equal(eph.pod?.status, 'ephemeral-pvc');
    assert.equal(eph.atRisk, true);
    assert.equal(eph.pod?.storage.storageClass, 'scratch-storage-class');
    const pd = targets.find((t) => t.name === 'Pod/test-pd/test-container');
    const foo = path(pd, '/foo');
    assert.equal(foo.pod?.status, 'host-path');
    assert.equal(foo.pod?.storage.nodeBound, true);
    assert.equal(foo.readOnly, true);
    assert.equal(foo.source, '/data/foo');
    const cache = path(pd, '/cache');
    assert.equal(cache.pod?.status, 'empty-dir');
    assert.equal(cache.pod?.storage.medium, 'Memory');
    assert.equal(cache.pod?.storage.sizeLimit, '500Mi');
    assert.equal(cache.pod?.survives.nodeReboot, false);
  });

  it('reads a folder: every workload of every file', async () => {
    const p = await loadKubernetesManifests([DIR]);
    assert.equal(p.files.length, 5);
    assert.equal(p.targets.length, 7);
  });
});

describe('Kubernetes manifests: shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-k8s-shapes-'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('every workload kind, init containers, subPath, readOnly, config volumes, readOnlyRootFilesystem, env HOME', async () => {
    const file = write(
      'kinds.yaml',
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: fetch
              image: busybox
              volumeMounts: [{name: work, mountPath: /work}]
          containers:
            - name: run
              image: busybox
              env: [{name: HOME, value: /home/runner}]
              securityContext: {readOnlyRootFilesystem: true}
              volumeMounts:
                - {name: work, mountPath: /work, subPathExpr: $(POD_NAME)}
                - {name: cfg, mountPath: /etc/cfg}
                - {name: tls, mountPath: /etc/tls}
                - {name: scratch, mountPath: /scratch, readOnly: true}
          volumes:
            - {name: work, emptyDir: {}}
            - {name: cfg, configMap: {name: settings}}
            - {name: tls, secret: {secretName: tls}}
            - {name: scratch, emptyDir: {}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers: [{name: a, image: x}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      containers: [{name: j, image: x}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  template:
    spec:
      containers: [{name: r, image: x}]
`,
    );
    const p = await loadKubernetesManifests([file]);
    assert.deepEqual(
      p.targets.map((t) => t.name),
      ['CronJob/nightly/fetch', 'CronJob/nightly/run', 'DaemonSet/agent/a', 'Job/once/j', 'ReplicaSet/rs/r'],
    );
    const run = p.targets[1]!;
    assert.equal(run.home, '/home/runner');
    assert.equal(run.rootReadOnly, true);
    const byTarget = new Map(run.mounts.map((m) => [m.target, m]));
    assert.equal(byTarget.get('/work')!.pod!.subPath, '$(POD_NAME)');
    assert.equal(byTarget.get('/etc/cfg')!.pod!.status, 'config');
    assert.equal(byTarget.get('/etc/cfg')!.pod!.configKind, 'configMap');
    assert.equal(byTarget.get('/etc/cfg')!.readOnly, true);
    assert.equal(byTarget.get('/etc/tls')!.pod!.configKind, 'secret');
    assert.equal(byTarget.get('/scratch')!.readOnly, true);
    const r = analyzeTarget(run);
    // A read-only root: the writable layer cannot take writes, so the home there is not at risk.
    assert.equal(path(r, '/home/runner').atRisk, false);
  });

  it('warns about a ReadWriteOnce claim under a RollingUpdate (the default) or several replicas', async () => {
    const file = write(
      'rwo.yaml',
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers: [{name: c, image: x, volumeMounts: [{name: d, mountPath: /data}]}]
      volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 3
  strategy: {type: Recreate}
  template:
    spec:
      containers: [{name: c, image: x, volumeMounts: [{name: d, mountPath: /data}]}]
      volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`,
    );
    const p = await loadKubernetesManifests([file]);
    assert.equal(p.warnings.length, 2, p.warnings.join('\n'));
    assert.match(
      p.warnings[0]!,
      /rwo\.yaml:12:\d+: Deployment\/app updates with RollingUpdate \(the default\) but the claim data is ReadWriteOnce/,
    );
    assert.match(p.warnings[1]!, /Deployment\/many has 3 replicas but the claim data is ReadWriteOnce/);
  });

  it('a mount naming no volume is a warning at its line; a claim not in the set is "lifecycle unknown"', async () => {
    const file = write(
      'missing.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: x
      volumeMounts:
        - {name: nope, mountPath: /a}
        - {name: elsewhere, mountPath: /b}
  volumes:
    - {name: elsewhere, persistentVolumeClaim: {claimName: external}}
`,
    );
    const p = await loadKubernetesManifests([file]);
    assert.match(p.warnings[0]!, /missing\.yaml:9:11: volumeMount nope names no volume of Pod\/p/);
    const b = path(analyzeTarget(p.targets[0]!), '/b');
    assert.equal(b.pod?.status, 'pvc');
    assert.match(b.reason, /Lifecycle unknown: check the pod's spec: the claim external is not in these manifests/);
  });

  it('refuses bad YAML at its line, an alias bomb, and a file over 8 MB; skips a Helm chart folder with a hint', async () => {
    assert.throws(
      () => parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: [\n', 'bad.yaml'),
      (e: unknown) => e instanceof InputError && /^bad\.yaml:\d+:\d+: not valid YAML/.test(e.message),
    );
    const bomb = ['apiVersion: v1', 'kind: Pod', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    assert.throws(() => parseManifestText(bomb.join('\n'), 'bomb.yaml'), /bomb\.yaml:\d+:\d+: .*(aliases expand|alias)/);
    const big = write('big.yaml', `apiVersion: v1\nkind: ConfigMap\ndata:\n  x: "${'a'.repeat(8 * 1024 * 1024)}"\n`);
    await assert.rejects(loadKubernetesManifests([big]), /larger than 8 MB/);
    const chart = join(dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
    writeFileSync(join(chart, 'templates', 'd.yaml'), 'kind: {{ .Values.kind }}\n');
    const p = await loadKubernetesManifests([chart]);
    assert.match(p.warnings[0]!, /is a Helm chart: .*helm template/);
    assert.equal(p.targets.length, 0);
  });
});
