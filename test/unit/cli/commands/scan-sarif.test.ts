import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../../../src/cli/main';
import { applyEdits } from '../../../../src/fixes/text';
import { capture } from '../../helpers/cli';

// The SARIF 2.1.0 JSON schema as @microsoft/jest-sarif ships it (a devDependency; MIT); it is a draft-04 schema.
const SCHEMA = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
);
// unicodeRegExp off: the schema's `language` pattern has a stray `]` that only non-unicode regular expressions accept.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const compiled = ajv.compile(SCHEMA);
/** Not a type guard: a log stays `any` after it is checked. */
const validate = Object.assign((log: unknown): boolean => compiled(log), {
  get errors() {
    return compiled.errors;
  },
});

async function sarifOf(args: string[], cwd: string): Promise<{ code: number; log: any; err: string }> {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const c = capture();
    const code = await runCli(['scan', '--format', 'sarif', ...args], c.io);
    return { code, log: c.out.length ? JSON.parse(c.out.join('')) : undefined, err: c.err.join('') };
  } finally {
    process.chdir(before);
  }
}

describe('scan --format sarif', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-sarif-'));
  const compose = [
    '# a project whose database and agent state are at risk',
    'services:',
    '  db:',
    '    image: postgres:17',
    '  agent:',
    '    image: node:22',
    '    environment:',
    '      CLAUDE_CONFIG_DIR: /home/node/.claude',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'compose.yaml'), compose);

  it('is valid SARIF 2.1.0, one result per finding, with the rule, level, place and fix', async () => {
    const { code, log, err } = await sarifOf(['--compose', 'compose.yaml'], dir);
    assert.equal(code, 0, err);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    // the validator does reject what is not SARIF 2.1.0
    const copy = JSON.parse(JSON.stringify(log));
    assert.equal(validate({ ...copy, version: '2.0.0' }), false);
    copy.runs[0].results[0].level = 'fatal';
    assert.equal(validate(copy), false);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'Persistence Lens');
    const byRule = new Map(run.results.map((r: any) => [r.ruleId, r]));
    const db: any = byRule.get('database-without-volume');
    assert.ok(db, JSON.stringify(run.results.map((r: any) => r.ruleId)));
    assert.equal(db.level, 'error', 'a critical database');
    assert.equal(db.locations[0].physicalLocation.artifactLocation.uri, 'compose.yaml');
    assert.equal(db.locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.equal(db.locations[0].physicalLocation.region.startLine, 4, 'the image line');
    assert.match(db.message.text, /Fix: /);
    // the fix's replacements give exactly what the quick fix writes
    const change = db.fixes[0].artifactChanges[0];
    const fixed = applyEdits(
      compose,
      change.replacements.map((r: any) => ({
        offset: r.deletedRegion.charOffset,
        length: r.deletedRegion.charLength,
        text: r.insertedContent.text,
      })),
    );
    assert.match(fixed, /volumes:\n\s+- db-data:\/var\/lib\/postgresql\/data/);
    assert.ok(byRule.has('agent-state-not-persisted'));
    for (const r of run.results)
      assert.ok(
        run.tool.driver.rules.some((rule: any) => rule.id === r.ruleId),
        `rule ${r.ruleId} is described`,
      );
  });

  it('--fail-on trips on a finding at that level, and a file nothing is wrong with gives no result', async () => {
    assert.equal((await sarifOf(['--compose', 'compose.yaml', '--fail-on', 'critical'], dir)).code, 1);
    const clean = mkdtempSync(join(tmpdir(), 'pl-sarif-clean-'));
    writeFileSync(join(clean, 'compose.yaml'), 'services:\n  web:\n    image: nginx:1.27\n');
    const r = await sarifOf(['--fail-on', 'low'], clean);
    assert.equal(r.code, 0);
    assert.ok(validate(r.log));
    assert.deepEqual(r.log.runs[0].results, []);
  });

  it('a devcontainer.json too, and refuses what is not a file source', async () => {
    const dev = mkdtempSync(join(tmpdir(), 'pl-sarif-dev-'));
    writeFileSync(join(dev, 'devcontainer.json'), '{ "image": "node:22", "containerEnv": { "CODEX_HOME": "/root/.codex" } }\n');
    const r = await sarifOf(['--devcontainer', 'devcontainer.json'], dev);
    assert.ok(validate(r.log), JSON.stringify(validate.errors));
    assert.ok(
      r.log.runs[0].results.some((x: any) => x.ruleId === 'agent-state-not-persisted'),
      JSON.stringify(r.log.runs[0].results),
    );
    assert.equal((await sarifOf(['--docker'], dev)).code, 2);
  });

  it('Kubernetes manifests too (a folder of them), with the pod rules described', async () => {
    const fixtures = resolve(__dirname, '../../../fixtures/kubernetes');
    const r = await sarifOf(['--kubernetes', fixtures], dir);
    assert.equal(r.code, 0, r.err);
    assert.ok(validate(r.log), JSON.stringify(validate.errors));
    const results = r.log.runs[0].results as any[];
    assert.ok(
      results.some((x) => x.ruleId === 'helm-claim-not-kept'),
      JSON.stringify(results.map((x) => x.ruleId)),
    );
    assert.ok(results.every((x) => x.locations[0].physicalLocation.artifactLocation.uri.endsWith('.yaml')));
    const described = new Map((r.log.runs[0].tool.driver.rules as any[]).map((rule) => [rule.id, rule.shortDescription.text]));
    for (const x of results)
      assert.notEqual(String(described.get(x.ruleId)).toLowerCase(), x.ruleId.replace(/-/g, ' '), `${x.ruleId} has words of its own`);
  });

  it('the documented GitHub Actions job parses, runs the scan as SARIF and uploads it', () => {
    const job = parseYaml(readFileSync(resolve(__dirname, '../../../../docs/ci/github-code-scanning.yml'), 'utf8'));
    const steps = job.jobs.persistence.steps as Array<Record<string, any>>;
    assert.ok(steps.some((s) => typeof s.run === 'string' && /persistence-lens scan --compose compose\.yaml --format sarif/.test(s.run)));
    const upload = steps.find((s) => String(s.uses ?? '').startsWith('github/codeql-action/upload-sarif'));
    assert.equal(upload?.with?.sarif_file, 'persistence-lens.sarif');
    assert.equal(job.permissions['security-events'], 'write');
  });
});
