// Extension activation in code-server, measured in the extension host by the editor suite's activation test
// (test/editor/suite/activation.test.ts), run alone through the editor tier's runner (scripts/editor/run-suite.mjs
// --suite): loading dist/extension.js and its activate(), per the extension host's own performance marks.
// Also the size of the bundles: as `npm run build` writes them, and minified as the .vsix ships them.
import * as esbuild from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { codeServerEntry } from '../lib/code-server.mjs';
import { root, spawnQuiet, summary } from './lib.mjs';

const MODULE_LOAD = 'module load: require(dist/extension.js), per the extension host (ms)';
const ACTIVATE = 'activate() itself, per the extension host (ms)';
const FROM_TEST = 'activation: ext.activate() from the test, cold (ms)';

async function bundleSizes(work) {
  const sizes = {};
  for (const name of ['extension', 'backend']) {
    const f = join(root, 'dist', `${name}.js`);
    sizes[name] = { built: statSync(f).size };
  }
  // minified, as scripts/build.mjs --production bundles them (into a folder of ours, not dist/)
  const out = join(work, 'min');
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'error',
    mainFields: ['module', 'main'],
    external: ['cpu-features', '*.node'],
  };
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'src/extension.ts')],
    outfile: join(out, 'extension.js'),
    external: [...common.external, 'vscode'],
  });
  await esbuild.build({ ...common, entryPoints: [join(root, 'src/backend.ts')], outfile: join(out, 'backend.js') });
  for (const name of ['extension', 'backend']) {
    const buf = readFileSync(join(out, `${name}.js`));
    sizes[name].minified = buf.length;
    sizes[name].minifiedGzip = gzipSync(buf, { level: 9 }).length;
  }
  return sizes;
}

export async function benchActivation({ work, quick, log }) {
  if (!existsSync(codeServerEntry())) return { skipped: 'code-server is not installed (scripts/editor/install-code-server.sh)' };
  if (!existsSync('/usr/bin/chromium')) return { skipped: 'no Chromium at /usr/bin/chromium' };

  // the extension as the editor tier tests it, then the activation test alone as a suite of its own
  await spawnQuiet(process.execPath, [join(root, 'scripts/build.mjs')]);
  const suiteDir = join(root, 'out', 'bench', 'editor-suite');
  rmSync(suiteDir, { recursive: true, force: true });
  const src = join(root, 'test/editor/suite');
  await esbuild.build({
    entryPoints: [join(src, 'index.ts'), join(src, 'activation.test.ts')],
    outdir: suiteDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: ['vscode', 'mocha'],
    logLevel: 'error',
  });
  const sizes = await bundleSizes(work);

  const runs = quick ? 1 : 3;
  const samples = { total: [], moduleLoad: [], activate: [], fromTest: [] };
  const failures = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(work, 'editor-'));
    const metricsFile = join(dir, 'metrics.json');
    const countsFile = join(dir, 'counts.json');
    const t = performance.now();
    await spawnQuiet(process.execPath, [
      join(root, 'scripts/editor/run-suite.mjs'),
      '--suite',
      suiteDir,
      '--metrics',
      metricsFile,
      '--counts',
      countsFile,
      '--timeout',
      '150',
    ]).catch((err) => failures.push(err.message.split('\n')[0]));
    const m = existsSync(metricsFile) ? JSON.parse(readFileSync(metricsFile, 'utf8')) : {};
    const counts = existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, 'utf8')) : undefined;
    if (counts?.failures?.length) failures.push(...counts.failures);
    if (typeof m[MODULE_LOAD] === 'number') samples.moduleLoad.push(m[MODULE_LOAD]);
    if (typeof m[ACTIVATE] === 'number') samples.activate.push(m[ACTIVATE]);
    if (typeof m[MODULE_LOAD] === 'number' && typeof m[ACTIVATE] === 'number') samples.total.push(m[MODULE_LOAD] + m[ACTIVATE]);
    if (typeof m[FROM_TEST] === 'number') samples.fromTest.push(m[FROM_TEST]);
    log(`activation run ${i + 1}: ${JSON.stringify(m)} (${((performance.now() - t) / 1000).toFixed(0)} s with code-server's start)`);
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(suiteDir, { recursive: true, force: true });
  const s = (xs) => (xs.length ? summary(xs, 'ms') : undefined);
  return {
    runs,
    // module load + activate(): what activating costs the extension host
    ours: s(samples.total),
    moduleLoad: s(samples.moduleLoad),
    activate: s(samples.activate),
    extActivateFromTest: s(samples.fromTest),
    bundleBytes: sizes,
    ...(failures.length ? { suiteFailures: [...new Set(failures)] } : {}),
  };
}
