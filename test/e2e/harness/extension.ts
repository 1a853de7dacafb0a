// How the extension gets into the container's code-server.
//
// The tests use what users install: the .vsix that `npm run package` makes (so a file missing from the package,
// or one that .vscodeignore leaves out by mistake, fails here). It is copied into the container's writable
// layer and installed by the image's start script with `code-server --install-extension` into the user's
// extensions dir, as a user would. Before the package script exists (or with --dev), the built extension
// (package.json, dist/, media/) is copied in instead and loaded as an extensionDevelopmentPath through the
// page's `payload` parameter, like scripts/editor/run-suite.mjs does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HOME } from './container';

export type ExtensionSource = { kind: 'vsix'; file: string } | { kind: 'dev'; files: Record<string, Buffer>; why: string };

/** Where a dev-path extension is copied in the container. */
export const DEV_EXTENSION_DIR = `${HOME}/.persistence-lens-dev`;

function walk(dir: string, base: string, out: Record<string, Buffer>): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else if (!name.endsWith('.map')) out[relative(base, p)] = readFileSync(p);
  }
}

function devFiles(root: string, why: string): ExtensionSource {
  const files: Record<string, Buffer> = { 'package.json': readFileSync(join(root, 'package.json')) };
  for (const d of ['dist', 'media']) if (existsSync(join(root, d))) walk(join(root, d), root, files);
  return { kind: 'dev', files, why };
}

export function prepareExtension(
  root: string,
  opts: { vsix?: string; dev?: boolean; outDir: string; log: (m: string) => void },
): ExtensionSource {
  if (opts.vsix) return { kind: 'vsix', file: opts.vsix };
  if (opts.dev) return devFiles(root, '--dev was given');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.package) return devFiles(root, 'package.json has no "package" script yet');
  // into the run's own folder: the project root's .vsix is left to whoever made it
  const file = join(opts.outDir, 'persistence-lens-e2e.vsix');
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'package', '--', '--out', file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0 || !existsSync(file)) {
    throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n')}`);
  }
  opts.log(`npm run package: ${file} (${Math.round(statSync(file).size / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { kind: 'vsix', file };
}

/** The files to seed into the container's home for this source. */
export function extensionSeed(source: ExtensionSource): Record<string, Buffer> {
  if (source.kind === 'vsix') return { 'persistence-lens.vsix': readFileSync(source.file) };
  return Object.fromEntries(Object.entries(source.files).map(([k, v]) => [`${DEV_EXTENSION_DIR.slice(HOME.length + 1)}/${k}`, v]));
}

/** The workbench URL's query for this source (a dev path goes in the payload); a `.code-workspace` file opens as a workspace. */
export function workbenchQuery(source: ExtensionSource, authority: string, folder: string): string {
  let q = `${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}`;
  if (source.kind === 'dev') {
    const payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${DEV_EXTENSION_DIR}`]];
    q += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return q;
}
