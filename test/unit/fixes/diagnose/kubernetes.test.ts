import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { diagnoseConfigFile } from '../../../../src/fixes/diagnose/index';
import { applyEdits } from '../../../../src/fixes/text';
import { assertOnlyInsertedLines } from '../../helpers/edit-checks';

const DIR = join(__dirname, '..', '..', '..', 'fixtures', 'kubernetes');
const read = (name: string): { file: string; text: string } => ({ file: join(DIR, name), text: readFileSync(join(DIR, name), 'utf8') });

describe('diagnostics on Kubernetes manifests', () => {
  it('an emptyDir over the code-server home: a warning on the volumeMount, fixed by a claim', async () => {
    const { file, text } = read('code-server-persistence-off.yaml');
    const findings = await diagnoseConfigFile({ file, text });
    const w = findings.find((f) => f.code === 'empty-dir-over-data');
    assert.ok(w, findings.map((f) => f.code).join(', '));
    assert.equal(w.severity, 'warning');
    assert.equal(w.range.start.line, 47, 'the volumeMount line (48, 1-based)');
    assert.equal(w.path, '/home/coder');
    const { fixes } = await w.planFixes();
    assert.equal(fixes.length, 1);
    assert.match(fixes[0]!.title, /PersistentVolumeClaim/);
    const again = await diagnoseConfigFile({ file, text: fixes[0]!.plan.newText });
    assert.ok(!again.some((f) => f.code === 'empty-dir-over-data'), 'fixed');
  });

  it('a Helm-managed claim without keep: information, fixed by the annotation', async () => {
    const { file, text } = read('code-server-persistence-on.yaml');
    const findings = await diagnoseConfigFile({ file, text });
    const info = findings.find((f) => f.code === 'helm-claim-not-kept');
    assert.ok(info);
    assert.equal(info.severity, 'information');
    const { fixes } = await info.planFixes();
    const plan = fixes[0]!.plan;
    assert.equal(applyEdits(text, plan.edits), plan.newText);
    assertOnlyInsertedLines(text, plan.newText);
    const claim = parseAllDocuments(plan.newText)
      .map((d) => d.toJS())
      .find((o: any) => o?.kind === 'PersistentVolumeClaim');
    assert.equal(claim.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const again = await diagnoseConfigFile({ file, text: plan.newText });
    assert.ok(!again.some((f) => f.code === 'helm-claim-not-kept'));
  });

  it('a Memory emptyDir over data: a warning', async () => {
    const file = join(DIR, 'memory.yaml');
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: db\n      image: postgres:17\n      volumeMounts:\n        - name: pg\n          mountPath: /var/lib/postgresql/data\n  volumes:\n    - name: pg\n      emptyDir:\n        medium: Memory\n';
    const findings = await diagnoseConfigFile({ file, text });
    const w = findings.find((f) => f.code === 'memory-empty-dir-over-data');
    assert.ok(w, findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
    assert.equal(w.range.start.line, 9);
    const { fixes } = await w.planFixes();
    assert.match(fixes[0]!.title, /Replace the emptyDir "pg"/);
  });

  it('compose files and devcontainer.json keep their own diagnosers', async () => {
    const findings = await diagnoseConfigFile({ file: '/x/compose.yaml', text: 'services:\n  db:\n    image: postgres:17\n' });
    assert.ok(findings.some((f) => f.code === 'database-without-volume'));
  });
});
