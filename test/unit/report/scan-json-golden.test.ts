/**
 * `scan --json` of a fixed input is byte for byte what it was when the golden file was written (before the
 * analysis and the JSON were made faster, issue #14): speed work must not change one character of the
 * contract. The input: test/unit/helpers/scan-golden.ts. After a deliberate change of the output (a new field,
 * a better reason), rewrite it with PL_UPDATE_GOLDEN=1 and review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { goldenJson, goldenTargets } from '../helpers/scan-golden';

const GOLDEN = join(__dirname, '../../fixtures/scan-json-golden.json');

describe('scan --json golden output', () => {
  it('prints exactly the golden file for the fixed input', async () => {
    const targets = await goldenTargets();
    assert.ok(targets.length > 100, `the fixed input lost its compose projects (${targets.length} targets): is the corpus there?`);
    const json = goldenJson(targets);
    if (process.env.PL_UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, json + '\n');
    const golden = readFileSync(GOLDEN, 'utf8');
    if (json + '\n' !== golden) {
      const a = (json + '\n').split('\n');
      const b = golden.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      assert.fail(`scan --json differs from ${GOLDEN} first at line ${i + 1}:\n  now:    ${a[i]}\n  golden: ${b[i]}`);
    }
  });
});
