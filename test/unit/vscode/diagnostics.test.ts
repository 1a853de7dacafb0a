import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseConfigFile } from '../../../src/fixes/diagnose/index';
import { applyEdits } from '../../../src/fixes/text';
import { configKind } from '../../../src/vscode/diagnostics/config-documents';
import { KeyedDebouncer } from '../../../src/vscode/diagnostics/keyed-debouncer';
import { editorEdits } from '../../../src/vscode/diagnostics/plan-edits';

const EXAMPLES = resolve(__dirname, '../../../examples');
const never = (): string => {
  throw new Error('the text was read although the name decides');
};

describe('editor diagnostics: which documents are diagnosed', () => {
  it('compose files and devcontainer.json by name, whatever the language id, without reading them', () => {
    for (const name of [
      'compose.yaml',
      'compose.yml',
      'docker-compose.yml',
      'docker-compose.prod.yaml',
      'compose.override.yml',
      'compose-dev.yaml',
    ]) {
      assert.equal(configKind(`/w/${name}`, 'plaintext', never), 'compose', name);
    }
    assert.equal(configKind('/w/.devcontainer/devcontainer.json', 'jsonc', never), 'devcontainer');
    assert.equal(configKind('/w/.devcontainer.json', 'json', never), 'devcontainer');
    assert.equal(configKind('/w/.devcontainer/python/devcontainer.json', 'plaintext', never), 'devcontainer');
  });

  it('the dockercompose language id, and YAML that compose would read (a top-level services:)', () => {
    assert.equal(configKind('/w/stack.yml', 'dockercompose', never), 'compose');
    assert.equal(
      configKind('/w/other.yaml', 'yaml', () => 'x-common: &c {}\nservices:   # the app\n  web:\n    image: nginx\n'),
      'compose',
    );
    assert.equal(
      configKind('/w/other.yaml', 'yaml', () => 'services:\r\n  web:\r\n    image: nginx\r\n'),
      'compose',
    );
  });

  it('Kubernetes manifests: YAML with a top-level apiVersion and kind', () => {
    assert.equal(
      configKind('/w/k8s/deploy.yaml', 'yaml', () => 'apiVersion: apps/v1\nkind: Deployment\n'),
      'kubernetes',
    );
    assert.equal(
      configKind('/w/k8s/all.yaml', 'yaml', () => '# rendered\n---\napiVersion: v1\nkind: PersistentVolumeClaim\n'),
      'kubernetes',
    );
    assert.equal(
      configKind('/w/k8s/values.yaml', 'yaml', () => 'persistence:\n  enabled: true\n'),
      undefined,
      "a chart's values are not a manifest",
    );
  });

  it('leaves other YAML and JSON alone', () => {
    // A GitHub workflow has services:, but under a job.
    assert.equal(
      configKind('/w/.github/workflows/ci.yml', 'yaml', () => 'jobs:\n  test:\n    services:\n      db:\n        image: postgres\n'),
      undefined,
    );
    assert.equal(
      configKind('/w/composer.json', 'json', () => '{}'),
      undefined,
    );
    assert.equal(
      configKind('/w/package.json', 'json', () => '{}'),
      undefined,
    );
    assert.equal(
      configKind('/w/tsconfig.json', 'jsonc', () => '{}'),
      undefined,
    );
    assert.equal(
      configKind('/w/notes.md', 'markdown', () => 'services:\n'),
      undefined,
    );
  });
});

describe('editor diagnostics: a plan as editor edits', () => {
  it('joins insertions at one offset in plan order, so an editor that reorders equal positions cannot swap them', () => {
    const text = 'a\nb\n';
    const edits = [
      { offset: 4, length: 0, text: 'first\n' },
      { offset: 0, length: 1, text: 'A' },
      { offset: 4, length: 0, text: 'second\n' },
    ];
    const merged = editorEdits(edits);
    assert.deepEqual(merged, [
      { offset: 0, length: 1, text: 'A' },
      { offset: 4, length: 0, text: 'first\nsecond\n' },
    ]);
    assert.equal(applyEdits(text, merged), applyEdits(text, edits));
    // Reversed, as an editor might apply equal positions, the merged edits still give the same text.
    assert.equal(applyEdits(text, [...merged].reverse()), 'A\nb\nfirst\nsecond\n');
  });

  it('gives the plan’s new text for every fix of the examples', async () => {
    for (const rel of ['agent-sandbox/compose.yaml', 'code-server/compose.yaml', 'devcontainer-postgres/.devcontainer/compose.yaml']) {
      const file = join(EXAMPLES, rel);
      const findings = await diagnoseConfigFile({
        file,
        text: readFileSync(file, 'utf8'),
        minimumCriticality: 'low',
        env: { HOME: '/home/t' },
      });
      const plans = (await Promise.all(findings.map((f) => f.planFixes()))).flatMap((p) => p.fixes.map((x) => x.plan));
      assert.ok(plans.length > 0, rel);
      for (const plan of plans) assert.equal(applyEdits(plan.originalText, editorEdits(plan.edits)), plan.newText, `${rel}: ${plan.title}`);
    }
  });
});

describe('editor diagnostics: debouncing', () => {
  it('runs once per key after the last request, and not at all when cancelled', async () => {
    const d = new KeyedDebouncer<string>();
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) d.schedule('a', 30, () => runs.push(`a${i}`));
    d.schedule('b', 30, () => runs.push('b'));
    d.schedule('c', 30, () => runs.push('c'));
    d.cancel('c');
    assert.equal(d.isPending('a'), true);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(runs.sort(), ['a4', 'b']);
    assert.equal(d.isPending('a'), false);
    d.schedule('a', 10, () => runs.push('late'));
    d.dispose();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(runs.sort(), ['a4', 'b']);
  });
});
