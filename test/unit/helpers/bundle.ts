import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Bundles a TypeScript entry into one world-readable CommonJS file in `dir`, with the options scripts/build.mjs
 * uses. A child started as another user (nobody) runs it from there: it may not be able to traverse the clone's
 * parents (a clone inside a 0700 temporary folder), so nothing may be loaded from the clone.
 */
export function bundleForAnyUser(entry: string, dir: string, name = 'bundle.cjs'): string {
  const outfile = join(dir, name);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // jsonc-parser's UMD entry hides its requires from the bundler; its ESM build bundles cleanly
    mainFields: ['module', 'main'],
    // ssh2's optional native add-ons: it loads them in try/catch and falls back to pure JS
    external: ['cpu-features', '*.node'],
    logLevel: 'silent',
  });
  chmodSync(outfile, 0o644);
  return outfile;
}
