#!/usr/bin/env node
// The one test command: `npm test`. Runs every tier and ends with `N passed, N failed`.
//
//   typecheck    tsc --noEmit over src and test
//   lint         eslint (eslint.config.mjs) over src and test, no warning allowed
//   unit         pure logic, no Docker, no editor (test/unit)
//   integration  a real Docker Engine, started here when missing (test/integration), and a real Podman
//                service (scripts/podman-up.sh) for test/integration/podman*.test.ts
//   editor       the extension in a real code-server extension host, driven by Chromium (test/editor)
//   e2e          code-server inside a real container, driven in Chromium as a user would (test/e2e)
//
// Under CI=true a tier that cannot run is a failure that says why; locally it is skipped, loudly.
// `--tier NAME` (repeatable) runs only the named tiers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true' || process.env.CI === '1';
const args = process.argv.slice(2);
const only = args.flatMap((a, i) => (a === '--tier' ? [args[i + 1]] : []));
const wanted = (tier) => only.length === 0 || only.includes(tier);

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const notes = [];
/** [tier, title, ms] of every tier's slowest tests, for the summary. */
const slowest = [];
const tierStarted = new Map();

function run(cmd, cmdArgs, opts = {}) {
  return spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
}

function banner(text) {
  const tier = /^(\S+)/.exec(text)?.[1];
  if (tier) tierStarted.set(tier === 'end-to-end' ? 'e2e' : tier, Date.now());
  console.log(`\n\x1b[1m=== ${text}\x1b[0m`);
}

function ensureDependencies() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  banner('installing dependencies (npm ci)');
  const r = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (r.status !== 0) {
    console.error('npm ci failed');
    process.exit(2);
  }
}

function testFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** Runs node:test over files, streaming the spec output and collecting the counts. */
function runNodeTests(tier, files, env = {}) {
  if (files.length === 0) {
    record(tier, { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: no test files found`] });
    return;
  }
  const countFile = join(mkdtempSync(join(tmpdir(), 'pl-count-')), 'counts.json');
  const r = run(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/count-reporter.mjs', `--test-reporter-destination=${countFile}`,
      ...files.map((f) => relative(root, f)),
    ],
    // the CLI's state (where anonymous volumes were seen) goes to a folder of this run, not the user's own
    { env: { ...process.env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'pl-state-')), ...env } },
  );
  let counts;
  try {
    counts = JSON.parse(readFileSync(countFile, 'utf8'));
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: the test runner exited ${r.status} without results`] };
  }
  if (r.status !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures.push(`${tier}: the test runner exited ${r.status}`);
  }
  record(tier, counts);
}

/** Runs a runner that writes its counts to the file named by --counts; a runner that dies still counts as failed. */
function runCountingRunner(tier, runnerArgs, timeoutMs) {
  const countFile = join(mkdtempSync(join(tmpdir(), 'pl-count-')), 'counts.json');
  const r = run(process.execPath, [...runnerArgs, '--counts', countFile], { timeout: timeoutMs, killSignal: 'SIGTERM' });
  let counts;
  try {
    counts = JSON.parse(readFileSync(countFile, 'utf8'));
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: the runner exited ${r.status ?? r.signal} without results`] };
  }
  if (r.status !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures.push(`${tier}: the runner exited ${r.status ?? r.signal}`);
  }
  return counts;
}

function record(tier, counts) {
  for (const [title, ms] of counts.slowest ?? []) slowest.push([tier, title, ms]);
  const started = tierStarted.get(tier.split(' ')[0]);
  const took = started === undefined ? '' : ` in ${Math.round((Date.now() - started) / 1000)} s`;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  failures.push(...counts.failures.map((f) => `[${tier}] ${f}`));
  notes.push(`${tier}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}${took}`);
}

function skipOrFail(tier, why) {
  if (ci) {
    console.error(`\n\x1b[31m${tier} tier cannot run under CI: ${why}\x1b[0m`);
    record(tier, { passed: 0, failed: 1, skipped: 0, failures: [`${tier} tier could not run: ${why}`] });
  } else {
    console.error(`\n\x1b[33;1m!!! ${tier} tier SKIPPED: ${why}. These tests did not run. (Under CI this is a failure.)\x1b[0m`);
    notes.push(`${tier}: SKIPPED (${why})`);
  }
}

ensureDependencies();

if (wanted('typecheck')) {
  banner('typecheck');
  const r = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.']);
  record('typecheck', r.status === 0 ? { passed: 1, failed: 0, skipped: 0, failures: [] } : { passed: 0, failed: 1, skipped: 0, failures: ['tsc reported errors'] });
}

if (wanted('lint')) {
  banner('lint (typescript-eslint: floating promises, exhaustive switches, type-only imports; no warning allowed)');
  const r = run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', 'src', 'test']);
  record('lint', r.status === 0 ? { passed: 1, failed: 0, skipped: 0, failures: [] } : { passed: 0, failed: 1, skipped: 0, failures: ['eslint reported problems'] });
}

if (wanted('build')) {
  banner('build (esbuild bundles)');
  const r = run(process.execPath, [join(root, 'scripts/build.mjs')]);
  record('build', r.status === 0 ? { passed: 1, failed: 0, skipped: 0, failures: [] } : { passed: 0, failed: 1, skipped: 0, failures: ['the build failed'] });
}

if (wanted('unit')) {
  banner('unit tests');
  runNodeTests('unit', testFiles(join(root, 'test/unit')));
}

if (wanted('integration')) {
  banner('integration tests (real Docker Engine, and a real Podman service for test/integration/podman*.test.ts)');
  const isPodman = (f) => /^podman.*\.test\.ts$/.test(f.slice(f.lastIndexOf('/') + 1));
  const up = run('bash', [join(root, 'scripts/docker-up.sh')]);
  // Podman: scripts/podman-up.sh installs it and starts `podman system service` (rootful) on its own socket.
  const podmanUp = run('bash', [join(root, 'scripts/podman-up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const files = testFiles(join(root, 'test/integration')).filter((f) => !isPodman(f) || podmanUp.status === 0);
  if (podmanUp.status !== 0) skipOrFail('integration (podman)', `no Podman service could be started (scripts/podman-up.sh exited ${podmanUp.status}; its messages are above)`);
  if (up.status !== 0) {
    skipOrFail('integration', `no Docker Engine could be started (scripts/docker-up.sh exited ${up.status})`);
    if (podmanUp.status === 0) runNodeTests('integration (podman)', files.filter(isPodman));
  } else runNodeTests('integration', files);
}

if (wanted('editor')) {
  banner('editor tests (the extension in a real code-server extension host, driven by Chromium)');
  // One-time install of code-server (from npm, into .cache/code-server) and Debian's Chromium; then the
  // Docker Engine and its test image, which the suite's container test needs.
  const install = run('bash', [join(root, 'scripts/editor/install-code-server.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const up = install.status === 0 ? run('bash', [join(root, 'scripts/docker-up.sh')]) : undefined;
  if (install.status !== 0) skipOrFail('editor', `code-server could not be installed (scripts/editor/install-code-server.sh exited ${install.status})`);
  else if (up.status !== 0) skipOrFail('editor', `no Docker Engine could be started (scripts/docker-up.sh exited ${up.status})`);
  else {
    const built = [join(root, 'scripts/build.mjs'), join(root, 'scripts/editor/build-suite.mjs')].every((s) => run(process.execPath, [s]).status === 0);
    if (!built) record('editor', { passed: 0, failed: 1, skipped: 0, failures: ['editor: the extension or the suite did not build'] });
    else {
      // The runner has its own hard timeout (150 s) and cleans up on SIGTERM; this one is the backstop.
      record('editor', runCountingRunner('editor', [join(root, 'scripts/editor/run-suite.mjs')], 200_000));
    }
  }
}

if (wanted('e2e')) {
  banner('end-to-end tests (code-server inside a real container, driven by Chromium as a user would)');
  // code-server and Chromium (as for the editor tier), the Docker Engine, then the container image, built
  // without a registry from busybox-static and the host's libraries (scripts/e2e/build-image.sh).
  const install = run('bash', [join(root, 'scripts/editor/install-code-server.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const up = install.status === 0 ? run('bash', [join(root, 'scripts/docker-up.sh')]) : undefined;
  const image = up?.status === 0 ? run('bash', [join(root, 'scripts/e2e/build-image.sh')], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
  if (install.status !== 0) skipOrFail('e2e', `code-server or Chromium could not be installed (scripts/editor/install-code-server.sh exited ${install.status})`);
  else if (up.status !== 0) skipOrFail('e2e', `no Docker Engine could be started (scripts/docker-up.sh exited ${up.status})`);
  else if (image.status !== 0) skipOrFail('e2e', `the container image could not be built (scripts/e2e/build-image.sh exited ${image.status})`);
  else if (run(process.execPath, [join(root, 'scripts/build.mjs')]).status !== 0) record('e2e', { passed: 0, failed: 1, skipped: 0, failures: ['e2e: the extension did not build'] });
  // The runner packages the .vsix itself, has its own hard timeout (300 s) and cleans up on SIGTERM.
  else record('e2e', runCountingRunner('e2e', ['--import', 'tsx', join(root, 'test/e2e/run.ts')], 360_000));
}

banner('summary');
for (const n of notes) console.log(`  ${n}`);
if (slowest.length) {
  console.log('\nSlowest tests:');
  for (const [tier, title, ms] of slowest.sort((a, b) => b[2] - a[2]).slice(0, 8)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  [${tier}] ${title}`);
}
if (failures.length) {
  console.log('\nFailures:');
  for (const f of failures) console.log(`  ${f}`);
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed === 0 ? 0 : 1);
