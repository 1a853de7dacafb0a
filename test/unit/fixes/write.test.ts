import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planComposeFix } from '../../../src/fixes/compose-fix';
import { FixRefusal } from '../../../src/fixes/types';
import { writePlanAtomically } from '../../../src/fixes/write';
import { planned } from '../helpers/fix-outcome';

describe('writing a plan', () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-write-'));
    const file = join(dir, 'compose.yaml');
    const text = 'services:\n  web:\n    image: x\n';
    writeFileSync(file, text);
    return { dir, file, plan: planned(planComposeFix({ file, text, service: 'web', path: '/data', mode: 'volume' })) };
  };

  it('replaces the file with the planned text and leaves no temporary file', async () => {
    const { dir, file, plan } = setup();
    await writePlanAtomically(plan);
    assert.equal(readFileSync(file, 'utf8'), plan.newText);
    assert.deepEqual(readdirSync(dir), ['compose.yaml']);
  });

  it('refuses when the file changed since it was read, and writes nothing', async () => {
    const { dir, file, plan } = setup();
    writeFileSync(file, 'services:\n  web:\n    image: y   # edited meanwhile\n');
    await assert.rejects(
      writePlanAtomically(plan),
      (e: unknown) => e instanceof FixRefusal && /changed since it was read/.test((e as Error).message),
    );
    assert.equal(readFileSync(file, 'utf8'), 'services:\n  web:\n    image: y   # edited meanwhile\n');
    assert.deepEqual(readdirSync(dir), ['compose.yaml']);
  });
});
