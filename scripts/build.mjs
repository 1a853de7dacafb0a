#!/usr/bin/env node
// Two bundles: the extension (vscode external, loaded by the extension host) and the CLI (plain Node).
// `--watch` rebuilds on change; `--production` minifies (the .vsix build).
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseOptions } from './lib/args.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const { watch, production } = parseOptions(
  { watch: { type: 'boolean', default: false }, production: { type: 'boolean', default: false } },
  'usage: node scripts/build.mjs [--watch] [--production]',
);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  // jsonc-parser's UMD entry hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // ssh2's optional native add-ons: it loads them in try/catch and falls back to pure JS.
  external: ['cpu-features', '*.node'],
};

const builds = [
  // The extension: only the editor layer, so activation parses little. It loads dist/backend.js on first use.
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { ...common, entryPoints: ['src/backend.ts'], outfile: 'dist/backend.js' },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build({ ...b, write: false })));
  for (const { outputFiles } of results) for (const file of outputFiles) writeAtomically(file.path, file.contents);
}

/**
 * Something may be loading dist/ while this build runs (an extension host or `npm start`'s code-server started
 * from it, vsce packing it): each file is written beside itself and renamed over the old one, so a reader sees
 * the old file or the new one, never half of one.
 */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: path.endsWith('/cli.js') ? 0o755 : 0o644 });
  renameSync(temporary, path);
}
