import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, parseDocument } from 'yaml';
import { planComposeFix } from '../../../src/fixes/compose-fix';
import { planDevcontainerFix } from '../../../src/fixes/devcontainer-fix';
import { applyEdits } from '../../../src/fixes/text';
import { FixRefusal } from '../../../src/fixes/types';
import { InputError } from '../../../src/core/types';
import { parse as parseJsonc } from 'jsonc-parser';
import { assertOnlyInsertedLines } from '../helpers/edit-checks';
import { CORPUS_DIR } from '../helpers/corpus';
import { planned as planOf } from '../helpers/fix-outcome';

const CORPUS = CORPUS_DIR;
const FRESH = '/persistence-lens/fresh-path';

function files(dir: string, test: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, test));
    else if (test(name)) out.push(p);
  }
  return out.sort();
}

/** The data without what the fix may add, so everything else can be compared for equality. */
function withoutAddition(after: any, before: any, service: string, name?: string): any {
  const copy = structuredClone(after);
  const svc = copy.services[service];
  if (Array.isArray(svc.volumes))
    svc.volumes = svc.volumes.filter((v: any) => !(typeof v === 'string' ? v.endsWith(`:${FRESH}`) : v?.target === FRESH));
  if (svc.volumes?.length === 0 && !before.services[service]?.volumes) delete svc.volumes;
  if (name && copy.volumes) delete copy.volumes[name];
  if (copy.volumes && Object.keys(copy.volumes).length === 0 && !before.volumes) copy.volumes = before.volumes;
  if (copy.volumes === undefined) delete copy.volumes;
  return copy;
}

/** JSON may need a comma after what was the last element: compare lines without it. */
function withoutTrailingComma(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/,(\s*(\/\/.*|\/\*.*)?\r?)$/, '$1'))
    .join('\n');
}

describe('quick fixes over the real-world corpus', () => {
  it('finds the corpus', () => {
    assert.ok(existsSync(CORPUS), `the shared corpus is missing at ${CORPUS}: these property tests cannot run`);
  });

  it('adds a named volume to every compose service, keeping every guarantee', () => {
    const composeFiles = files(CORPUS, (n) => /\.ya?ml$/.test(n));
    let planned = 0;
    const refused: string[] = [];
    for (const file of composeFiles) {
      const text = readFileSync(file, 'utf8');
      const doc = parseDocument(text, { merge: true });
      const services = doc.errors.length === 0 ? doc.get('services', true) : undefined;
      if (!isMap(services)) {
        // Not a compose file with services (or broken on purpose): the planner must refuse, not crash.
        assert.throws(() => planComposeFix({ file, text, service: 'x', path: FRESH, mode: 'volume' }), InputError, relative(CORPUS, file));
        continue;
      }
      const before = doc.toJS({ maxAliasCount: -1 });
      for (const pair of services.items) {
        const service = String((pair.key as any)?.value ?? pair.key);
        const where = `${relative(CORPUS, file)} service ${service}`;
        let plan;
        try {
          plan = planOf(planComposeFix({ file, text, service, path: FRESH, mode: 'volume' }));
        } catch (err) {
          assert.ok(err instanceof FixRefusal, `${where}: unexpected ${(err as Error).stack}`);
          refused.push(`${where}: ${(err as Error).message}`);
          continue;
        }
        planned++;
        assert.equal(applyEdits(text, plan.edits), plan.newText, `${where}: the edits are the new text`);
        const after = parseDocument(plan.newText, { merge: true });
        assert.deepEqual(after.errors, [], `${where}: the result parses`);
        const afterData = after.toJS({ maxAliasCount: -1 }) as any;
        const vols = afterData.services[service].volumes as unknown[];
        assert.ok(
          vols.some((v: any) => v === `${plan.volumeName}:${FRESH}` || (v?.target === FRESH && v?.source === plan.volumeName)),
          `${where}: the volume is there`,
        );
        assert.ok(afterData.volumes && plan.volumeName! in afterData.volumes, `${where}: the volume is declared`);
        assert.deepEqual(withoutAddition(afterData, before, service, plan.volumeName), before, `${where}: nothing else changed`);
        const aliased = isMap(pair.value) && (pair.value.get('volumes', true) as any)?.constructor?.name === 'Alias';
        if (!aliased) assertOnlyInsertedLines(text, plan.newText);
        assert.equal(
          planComposeFix({ file, text: plan.newText, service, path: FRESH, mode: 'volume' }).status,
          'already-persisted',
          `${where}: applying twice is applying once`,
        );
      }
    }
    console.log(`compose corpus: ${composeFiles.length} files, ${planned} services edited, ${refused.length} refused`);
    for (const r of refused) console.log(`  refused: ${r}`);
    assert.ok(planned >= 50, `only ${planned} services could be edited`);
    assert.ok(refused.length <= planned / 10, `too many refusals: ${refused.length}`);
  });

  it('adds a mount to every devcontainer.json that is not compose-based', () => {
    const devcontainers = files(CORPUS, (n) => n === 'devcontainer.json' || n === '.devcontainer.json');
    let planned = 0;
    for (const file of devcontainers) {
      const text = readFileSync(file, 'utf8');
      const data = parseJsonc(text, [], { allowTrailingComma: true }) as any;
      if (data?.dockerComposeFile) continue;
      const plan = planDevcontainerFix({ file, text, path: FRESH });
      planned++;
      const after = parseJsonc(plan.newText, [], { allowTrailingComma: true }) as any;
      assert.deepEqual(
        { ...after, mounts: after.mounts.slice(0, -1) },
        { ...data, mounts: data.mounts ?? [] },
        `${file}: nothing else changed`,
      );
      assert.equal(after.mounts.at(-1), `source=fresh-path-\${devcontainerId},target=${FRESH},type=volume`);
      // A one-line list is the edited line itself; a list over several lines keeps every line.
      const oneLine = /"mounts"\s*:\s*\[[^\n]*\]/.test(text);
      if (data.mounts?.length && !oneLine) assertOnlyInsertedLines(withoutTrailingComma(text), withoutTrailingComma(plan.newText));
    }
    console.log(`devcontainer corpus: ${devcontainers.length} files, ${planned} edited (the others are compose-based)`);
    assert.ok(planned >= 50);
  });
});
