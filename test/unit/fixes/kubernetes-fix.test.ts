import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { analyzeTarget } from '../../../src/core/analyze';
import { planKubernetesFix } from '../../../src/fixes/kubernetes-fix';
import { planPersist } from '../../../src/fixes/persist';
import { applyEdits } from '../../../src/fixes/text';
import { FixRefusal } from '../../../src/fixes/types';
import { kubernetesTargets, parseManifestText, workloadContainers, targetName } from '../../../src/sources/kubernetes/index';
import { assertOnlyInsertedLines } from '../helpers/edit-checks';
import { alreadyPersisted, planned } from '../helpers/fix-outcome';

const DIR = join(__dirname, '..', '..', 'fixtures', 'kubernetes');
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(DIR, f));
const FRESH = '/persistence-lens/fresh-path';

const data = (text: string): unknown[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((x) => x !== null);

/** The new data without what the fix may add: its volumeMount, volume, claim template and claim document. */
function withoutAddition(after: any[], claim: string, emptyDirVolume?: { name: string; before: unknown }): unknown[] {
  const copy = structuredClone(after).filter((o: any) => !(o.kind === 'PersistentVolumeClaim' && o.metadata?.name === claim));
  for (const o of copy as any[]) {
    const spec = o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec ?? (o.kind === 'Pod' ? o.spec : undefined);
    if (!spec) continue;
    for (const list of ['containers', 'initContainers']) {
      for (const c of spec[list] ?? []) {
        if (!c.volumeMounts) continue;
        c.volumeMounts = c.volumeMounts.filter((m: any) => m.name !== claim);
        if (c.volumeMounts.length === 0) delete c.volumeMounts;
      }
    }
    if (spec.volumes) {
      spec.volumes = spec.volumes.filter((v: any) => v.name !== claim);
      if (emptyDirVolume) spec.volumes = spec.volumes.map((v: any) => (v.name === emptyDirVolume.name ? emptyDirVolume.before : v));
      if (spec.volumes.length === 0) delete spec.volumes;
    }
    if (o.kind === 'StatefulSet' && o.spec.volumeClaimTemplates) {
      o.spec.volumeClaimTemplates = o.spec.volumeClaimTemplates.filter(
        (t: any) => t.metadata?.name !== claim && t.metadata?.name !== emptyDirVolume?.name,
      );
      if (o.spec.volumeClaimTemplates.length === 0) delete o.spec.volumeClaimTemplates;
    }
  }
  return copy;
}

/** The property checks of the compose planner, for one plan. */
function checkPlan(file: string, text: string, target: string, path: string, expectEmptyDir?: string): void {
  const where = `${file} ${target} ${path}`;
  const plan = planned(planKubernetesFix({ file, text, target, path }));
  assert.equal(applyEdits(text, plan.edits), plan.newText, `${where}: the edits are the new text`);
  const after = parseAllDocuments(plan.newText);
  assert.deepEqual(
    after.flatMap((d) => d.errors),
    [],
    `${where}: the result parses`,
  );
  const before = data(text) as any[];
  const claim = plan.volumeName!;
  let emptyDir: { name: string; before: unknown } | undefined;
  if (expectEmptyDir) {
    const volume = before.flatMap((o) => (o.spec?.template?.spec ?? o.spec)?.volumes ?? []).find((v: any) => v.name === expectEmptyDir);
    emptyDir = { name: expectEmptyDir, before: volume };
  }
  assert.deepEqual(withoutAddition(data(plan.newText), claim, emptyDir), before, `${where}: nothing else changed`);
  if (expectEmptyDir) {
    // The emptyDir key and its value are the only lines replaced: every other line is kept.
    const gone = text.split('\n').filter((l) => !plan.newText.split('\n').includes(l));
    assert.ok(
      gone.every((l) => /emptyDir|medium|sizeLimit/.test(l)),
      `${where}: only the emptyDir lines changed: ${gone.join(' | ')}`,
    );
  } else {
    assertOnlyInsertedLines(text, plan.newText);
  }
  // The path is safe now, by the same reading scan uses, and planning again is a no-op.
  const t = kubernetesTargets(parseManifestText(plan.newText, file)).targets.find((x) => x.name === target)!;
  const report = analyzeTarget(t);
  const p = report.paths.find((x) => x.path === path);
  if (p) assert.equal(p.atRisk, false, `${where}: ${p.reason}`);
  assert.equal(
    planKubernetesFix({ file, text: plan.newText, target, path }).status,
    'already-persisted',
    `${where}: applying twice is applying once`,
  );
}

describe('Kubernetes quick fix: the compose guarantees over the real manifests', () => {
  it('adds a claim for a writable-layer path to every container of every fixture', () => {
    let planned = 0;
    for (const file of FIXTURES) {
      const text = readFileSync(file, 'utf8');
      for (const c of workloadContainers(parseManifestText(text, file))) {
        checkPlan(file, text, targetName(c), FRESH);
        planned++;
      }
    }
    assert.ok(planned >= 7, `${planned}`);
  });

  it('turns every emptyDir mount of the fixtures into a claim (a claim template for a StatefulSet)', () => {
    let planned = 0;
    for (const file of FIXTURES) {
      const text = readFileSync(file, 'utf8');
      for (const t of kubernetesTargets(parseManifestText(text, file)).targets) {
        for (const m of t.mounts) {
          if (m.pod?.status !== 'empty-dir' || m.readOnly) continue;
          checkPlan(file, text, t.name, m.target, m.pod.volume);
          planned++;
        }
      }
    }
    assert.ok(planned >= 2, `${planned}`);
  });

  it("a StatefulSet gets a claim template of the emptyDir volume's name, which takes precedence over it", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pl-k8s-fix-')), 'sts.yaml');
    const text = readFileSync(join(DIR, 'statefulset-retention.yaml'), 'utf8').replace(
      '        - name: www\n          mountPath: /usr/share/nginx/html\n',
      '        - name: www\n          mountPath: /usr/share/nginx/html\n        - name: cache\n          mountPath: /var/cache/nginx\n      volumes:\n      - name: cache\n        emptyDir: {}\n',
    );
    writeFileSync(file, text);
    const plan = planned(planKubernetesFix({ file, text, target: 'StatefulSet/web/nginx', path: '/var/cache/nginx' }));
    assert.match(plan.title, /claim template "cache" of StatefulSet web/);
    assert.ok(!/kind: PersistentVolumeClaim/.test(plan.newText.slice(text.length)), 'no claim document for a StatefulSet');
    checkPlan(file, text, 'StatefulSet/web/nginx', '/var/cache/nginx', 'cache');
  });

  it('answers "already persisted" for a path on a claim or a read-only mount, and refuses unknown containers', () => {
    const file = join(DIR, 'code-server-persistence-on.yaml');
    const text = readFileSync(file, 'utf8');
    alreadyPersisted(planKubernetesFix({ file, text, target: 'Deployment/code-server/code-server', path: '/home/coder/.ssh' }));
    assert.throws(
      () => planKubernetesFix({ file, text, path: '/x' }),
      (e: unknown) =>
        e instanceof FixRefusal &&
        /several containers \(Deployment\/code-server\/init-chmod-data, Deployment\/code-server\/code-server\)/.test(e.message),
    );
    assert.throws(() => planKubernetesFix({ file, text, target: 'Deployment/nope/x', path: '/x' }), FixRefusal);
  });

  it('keeps CRLF line endings and a file without a final line break', () => {
    const file = 'crlf.yaml';
    const lf = readFileSync(join(DIR, 'coder-workspace.yaml'), 'utf8');
    const crlf = lf.replace(/\n/g, '\r\n');
    const plan = planned(planKubernetesFix({ file, text: crlf, path: FRESH }));
    assert.ok(!/[^\r]\n/.test(plan.newText), 'every new line ends with CRLF');
    const noEol = lf.replace(/\n$/, '');
    const plan2 = planned(planKubernetesFix({ file, text: noEol, path: FRESH }));
    assert.equal(data(plan2.newText).length, data(noEol).length + 1);
  });

  it('persist dispatches a Kubernetes manifest by its content (apiVersion and kind)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-k8s-persist-'));
    const file = join(dir, 'rendered.yaml');
    writeFileSync(file, readFileSync(join(DIR, 'code-server-persistence-off.yaml'), 'utf8'));
    const out = await planPersist({ file, path: '/home/coder', service: 'Deployment/code-server/code-server' });
    assert.equal(out.status, 'planned');
    if (out.status === 'planned') {
      assert.match(out.plan.title, /Replace the emptyDir "data" at \/home\/coder by the PersistentVolumeClaim/);
      writeFileSync(file, out.plan.newText);
    }
    const again = await planPersist({ file, path: '/home/coder' });
    assert.equal(again.status, 'already-persisted');
  });
});
