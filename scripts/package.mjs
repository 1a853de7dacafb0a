#!/usr/bin/env node
// `npm run package`: the .vsix, offline, with @vscode/vsce.
//
//   node scripts/package.mjs [--out FILE]     (default: persistence-lens-<version>.vsix in the project root)
//
// vsce runs the `vscode:prepublish` script first (scripts/build.mjs --production: minified bundles, no source
// maps), then packs what .vscodeignore lets through: dist/{extension,backend,cli}.js, the icon, package.json,
// README, CHANGELOG and LICENSE. Its flags, and why:
//   --no-dependencies            everything runs from the esbuild bundles; vsce must not run `npm list` or
//                                pack node_modules/
//   --allow-missing-repository   the project has no public repository URL yet; without this vsce asks on stdin
//   --no-rewrite-relative-links  vsce would turn the README's relative links into repository URLs, and refuses
//                                to package when there is no repository to point them at
// Nothing here reaches the network: vsce only talks to the Marketplace when publishing.
// stdin is closed, so a question vsce might ask fails the run instead of hanging it. vsce prints the file list.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseOptions } from './lib/args.mjs';
import { run } from './lib/proc.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { out: outArg } = parseOptions(
  { out: { type: 'string' } },
  'usage: node scripts/package.mjs [--out FILE]     (default: persistence-lens-<version>.vsix in the project root)',
);
const out = resolve(outArg || join(root, `${pkg.name}-${pkg.version}.vsix`));

const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
const r = await run(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);
if (r.code !== 0) {
  console.error(`[package] vsce package failed (${r.error?.message ?? `exit ${r.code ?? r.signal}`})`);
  process.exit(r.code || 1);
}
