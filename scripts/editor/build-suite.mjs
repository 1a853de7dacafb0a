#!/usr/bin/env node
// Bundles the editor suite (test/editor/suite) into out/test/editor/suite/: index.js (the extensionTestsPath
// that code-server's extension host loads) and one *.test.js per test file, which mocha loads.
// 'vscode' is the extension host's; mocha stays external so the runner and the test files share one copy.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const src = join(root, 'test/editor/suite');
const outdir = join(root, 'out/test/editor/suite');

rmSync(outdir, { recursive: true, force: true });
const tests = readdirSync(src)
  .filter((n) => n.endsWith('.test.ts'))
  .sort();
await esbuild.build({
  entryPoints: [join(src, 'index.ts'), ...tests.map((t) => join(src, t))],
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  mainFields: ['module', 'main'],
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`editor suite: ${tests.length} test file(s) bundled into ${outdir.replace(root, '')}`);
