import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError, type Mount, type TargetInput } from '../../../src/core/types';

/** The mount a target has at `path`; fails naming the mounts it does have. */
export function mountAt(t: TargetInput, path: string): Mount {
  const m = t.mounts.find((x) => x.target === path);
  assert.ok(m, `no mount at ${path} in ${t.name}: ${t.mounts.map((x) => x.target).join(', ')}`);
  return m;
}

/** [status, source, readOnly, "file:line:col" relative to `fixtures`] of a mount. */
export function brief(m: Mount, fixtures: string): [string, string | undefined, boolean, string | undefined] {
  const at = m.declaredAt ? `${m.declaredAt.file.slice(fixtures.length + 1)}:${m.declaredAt.line}:${m.declaredAt.column}` : undefined;
  return [m.status, m.source, m.readOnly, at];
}

/** Rejects with an InputError located as `check` says. */
export async function rejectsWithLocation(
  p: Promise<unknown>,
  check: { line?: number; column?: number; file?: string; message?: RegExp },
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    if (check.file !== undefined) assert.equal(e.location?.file, check.file);
    if (check.line !== undefined) assert.equal(e.location?.line, check.line, e.message);
    if (check.column !== undefined) assert.equal(e.location?.column, check.column, e.message);
    if (check.message) assert.match(e.message, check.message);
    return true;
  });
}

/** Writes `files` (path in the project → text) into a fresh temporary folder named after `prefix`; returns the folder. */
export function writeProject(files: Record<string, string>, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
