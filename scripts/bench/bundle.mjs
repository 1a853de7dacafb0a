// Bundles what the bench measures as "ours" the way scripts/build.mjs bundles the product (esbuild, cjs,
// node20), into a folder of this run under the temporary directory (removed at the end): the engine functions the
// in-process cases call, and the CLI the backup case runs as a child. Own copies, so that a rebuild of dist/ by
// someone else mid-run changes nothing, nor another run's bundle (worktrees may share one .cache).
import * as esbuild from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, root } from './lib.mjs';

const outDir = mkdtempSync(join(tmpdir(), 'pl-bench-bundle-'));
onCleanup(() => rmSync(outDir, { recursive: true, force: true }));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'error',
  mainFields: ['module', 'main'],
  external: ['cpu-features', '*.node'],
};

/** Whether src/fixes/diagnose(.ts|/index.ts) exports diagnoseConfigFile (another engineer is adding it). */
export function hasDiagnose() {
  const exported =
    /export\s+(async\s+)?function\s+diagnoseConfigFile\b|export\s+(const|let)\s+diagnoseConfigFile\b|export\s*\{[^}]*\bdiagnoseConfigFile\b/;
  return ['src/fixes/diagnose.ts', 'src/fixes/diagnose/index.ts'].some(
    (f) => existsSync(join(root, f)) && exported.test(readFileSync(join(root, f), 'utf8')),
  );
}

/** Builds and loads the engine bundle; returns its exports plus what it contains. */
export async function buildOurs() {
  const outfile = join(outDir, 'ours.cjs');
  const build = (diagnose) =>
    esbuild.build({
      ...common,
      stdin: {
        contents: [
          "export { scan, gatherVolumes } from './src/scan';",
          "export { scanJson } from './src/report/format';",
          "export { connectDocker } from './src/sources/docker/client';",
          "export { scanDocker } from './src/sources/docker/scan';",
          "export { volumeSizes } from './src/sources/docker/volumes';",
          "export { ChangesCache } from './src/sources/docker/changes-cache';",
          "export { LiveMountTable } from './src/sources/self';",
          "export { loadComposeProject } from './src/sources/compose/index';",
          "export { analyzeTarget } from './src/core/analyze';",
          diagnose ? "export { diagnoseConfigFile } from './src/fixes/diagnose';" : '',
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      outfile,
    });
  let diagnose = hasDiagnose();
  let diagnoseBuildError;
  try {
    await build(diagnose);
  } catch (err) {
    if (!diagnose) throw err;
    // diagnostics are being written by someone else right now: measure without them rather than not at all
    diagnoseBuildError = err.message.split('\n')[0];
    diagnose = false;
    await build(false);
  }
  const require = createRequire(import.meta.url);
  delete require.cache[outfile];
  return { ...require(outfile), bundleFile: outfile, hasDiagnose: diagnose, ...(diagnoseBuildError ? { diagnoseBuildError } : {}) };
}

/** Builds the CLI exactly as scripts/build.mjs does (without the source map); returns its path. */
export async function buildCli() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const outfile = join(outDir, 'cli.cjs');
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile,
    define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
  });
  return outfile;
}
