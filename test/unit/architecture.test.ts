/**
 * The layering the README promises, checked on the sources (as text, like vscode-contributions.test.ts):
 * core ← sources ← fixes / backup / move ← scan / report ← cli / vscode, only the editor layer imports `vscode`, the
 * editor reaches the backend through the lazily loaded bundle, and that bundle's weight (dockerode, yaml) never
 * lands in the extension's own bundle.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

interface Import {
  from: string;
  /** A path under src/ for a relative import (`core/types`), else the package's name (`vscode`, `node:fs`). */
  to: string;
  /** Written as a relative path: one of our modules, whatever its resolved name starts with. */
  relative: boolean;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4] ?? m[5]!;
    const typeOnly = m[2] !== undefined;
    const to = spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)) : spec;
    out.push({ from: relative(SRC, file), to, relative: spec.startsWith('.'), typeOnly });
  }
  return out;
}

const ALL = sourceFiles(SRC).flatMap(importsOf);
/** The first folder under src/ (or the file for src/*.ts), the layer a path belongs to. */
const layer = (p: string): string => (p.includes('/') ? p.split('/')[0]! : p.replace(/\.ts$/, ''));

function violations(rule: (i: Import) => boolean): string[] {
  // Only our own modules (and `vscode`): a package's name (`yaml`, `node:fs`) is not a layer.
  return ALL.filter((i) => i.relative || i.to === 'vscode')
    .filter(rule)
    .map((i) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}`);
}

describe('architecture: one boundary', () => {
  it('finds the imports it checks', () => {
    assert.ok(ALL.length > 300, `only ${ALL.length} imports read: the pattern broke`);
    assert.ok(
      ALL.some((i) => i.from === 'vscode/paths/model.ts' && i.to === 'vscode'),
      'an editor file imports vscode',
    );
    // The rules below see only our own modules: if none were found, every rule would pass on nothing.
    assert.ok(ALL.filter((i) => i.relative).length > 300, 'the relative imports are the ones the layer rules check');
    assert.ok(violations((i) => i.from === 'scan/scan.ts' && i.to === 'core/analyze').length === 1, 'scan.ts → core/analyze is seen');
  });

  it('only src/vscode and src/extension.ts import vscode', () => {
    assert.deepEqual(
      violations((i) => i.to === 'vscode' && layer(i.from) !== 'vscode' && i.from !== 'extension.ts'),
      [],
    );
  });

  it('core imports no other layer', () => {
    assert.deepEqual(
      violations((i) => layer(i.from) === 'core' && i.to !== 'vscode' && layer(i.to) !== 'core'),
      [],
    );
  });

  it('sources read the world and import only core', () => {
    assert.deepEqual(
      violations((i) => layer(i.from) === 'sources' && !['core', 'sources'].includes(layer(i.to))),
      [],
    );
  });

  it('fixes, backup, move and browse import no scan, cli, report or editor code; fixes no backup or move', () => {
    const below = (l: string) => ['fixes', 'backup', 'move', 'browse'].includes(l);
    assert.deepEqual(
      violations((i) => below(layer(i.from)) && ['scan', 'cli', 'report', 'vscode', 'extension', 'backend'].includes(layer(i.to))),
      [],
    );
    assert.deepEqual(
      violations((i) => layer(i.from) === 'fixes' && ['backup', 'move'].includes(layer(i.to))),
      [],
    );
  });

  it('the scan pipeline imports only core and sources', () => {
    assert.deepEqual(
      violations((i) => layer(i.from) === 'scan' && !['core', 'sources', 'scan'].includes(layer(i.to))),
      [],
    );
  });

  it('report and cli import no editor code', () => {
    assert.deepEqual(
      violations((i) => ['report', 'cli'].includes(layer(i.from)) && ['vscode', 'extension'].includes(layer(i.to))),
      [],
    );
  });

  it('only the CLI imports the CLI: the report formatter and the backend bundle stand below it', () => {
    assert.deepEqual(
      violations((i) => layer(i.to) === 'cli' && layer(i.from) !== 'cli'),
      [],
    );
  });

  it('the editor reaches the backend through vscode/backend.ts (types apart), and a few pure modules directly', () => {
    // Pure and small: no dockerode, no yaml, nothing that does I/O at import time.
    const PURE = new Set([
      'core/types',
      'core/errors', // the error vocabulary's kinds and guards: they work on the backend bundle's errors
      'core/survival',
      'core/catalog',
      'core/bytes',
      'core/analyze',
      'core/paths',
      'core/volume-sightings',
      'core/volume-removal', // whether a volume may be removed (the decision the Volumes view shares with the CLI), and shortVolumeName
      'sources/self', // the mount table: read at activation for the status bar and the save warning
      'sources/docker/compose-labels',
      'sources/workspace-files',
      'browse/uri-path', // the browse URIs' spelling, pure
      'browse/source',
      'browse/errors', // the browse error codes' guard
      'backup/describe', // backup sources and restore targets in words: one spelling for the backend, the CLI and the editor (types only, node:path)
    ]);
    const backendSide = (l: string) => !['vscode', 'extension'].includes(l);
    const bad = violations(
      (i) =>
        (layer(i.from) === 'vscode' || i.from === 'extension.ts') &&
        i.to !== 'vscode' &&
        backendSide(layer(i.to)) &&
        !i.typeOnly &&
        !PURE.has(i.to) &&
        i.to !== 'backend',
    );
    assert.deepEqual(bad, []);
    const direct = violations((i) => layer(i.from) === 'vscode' && i.to === 'backend' && !i.typeOnly);
    assert.deepEqual(direct, [], 'src/backend.ts is loaded lazily by vscode/backend.ts, never imported for its values');
  });

  it("the extension's bundle holds no dockerode and no yaml (they load with the backend, on first use)", () => {
    const r = buildSync({
      entryPoints: [join(SRC, 'extension.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      mainFields: ['module', 'main'],
      external: ['vscode', 'cpu-features', '*.node'],
      logLevel: 'silent',
      outfile: join(ROOT, '.cache', 'architecture-extension.js'),
    });
    const inputs = Object.keys(r.metafile!.inputs);
    assert.deepEqual(
      inputs.filter((p) => /node_modules\/(dockerode|docker-modem|yaml|ssh2|tar-stream|jsonc-parser)\//.test(p)),
      [],
    );
  });
});
