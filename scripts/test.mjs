#!/usr/bin/env node
// The one test command: `npm test`. Runs every tier and ends with `N passed, N failed`.
//
//   typecheck    tsc --noEmit over src and test
//   lint         eslint (eslint.config.mjs) over src and test, no warning allowed
//   format       prettier --check (.prettierrc.json; .prettierignore says what it covers); `npm run format` fixes it
//   unit         pure logic, no Docker, no editor (test/unit)
//   integration  a real Docker Engine, started here when missing (test/integration), and a real Podman
//                service (scripts/podman-up.sh) for test/integration/podman*.test.ts
//   editor       the extension in a real code-server extension host, driven by Chromium (test/editor)
//   e2e          code-server inside a real container, driven in Chromium as a user would (test/e2e)
//
// Under CI=true a tier that cannot run is a failure that says why; locally it is skipped, loudly.
// `--tier NAME` (repeatable) runs only the named tiers.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { slowestOf } from './count-reporter.mjs';
import { parseOptions, usageError } from './lib/args.mjs';
import { run as runProgram } from './lib/proc.mjs';

const TIERS = ['typecheck', 'lint', 'format', 'build', 'unit', 'integration', 'editor', 'e2e'];
const USAGE = `usage: node scripts/test.mjs [--tier NAME]...   (npm test [-- --tier NAME]...)

Runs every tier, or only those named: ${TIERS.join(', ')}. Ends with \`N passed, N failed\`
and exits 0 when nothing failed, 1 otherwise.`;

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = parseOptions({ tier: { type: 'string', multiple: true, default: [] } }, USAGE).tier;
for (const t of only) if (!TIERS.includes(t)) usageError(`no tier named '${t}'`, USAGE);
const wanted = (tier) => only.length === 0 || only.includes(tier);

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const notes = [];
/** [tier, title, ms] of every tier's slowest tests, for the summary. */
const slowest = [];
const tierStarted = new Map();

/** Runs a program in the project folder with its output shown; resolves { code, signal } (lib/proc.mjs). */
function run(cmd, cmdArgs, opts = {}) {
  return runProgram(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
}

function banner(text, { started = true } = {}) {
  const tier = /^(\S+)/.exec(text)?.[1];
  if (tier && started) tierStarted.set(tier === 'end-to-end' ? 'e2e' : tier, Date.now());
  console.log(`\n\x1b[1m=== ${text}\x1b[0m`);
}

async function ensureDependencies() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  banner('installing dependencies (npm ci)');
  const r = await run('npm', ['ci', '--no-audit', '--no-fund']);
  if (r.code !== 0) {
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

/**
 * Runs node:test over files, streaming the spec output and collecting the counts. `concurrency` test files run
 * at a time, each in its own process.
 */
async function runNodeTests(tier, files, { env = {}, concurrency = 1 } = {}) {
  if (files.length === 0) {
    record(tier, { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: no test files found`] });
    return;
  }
  const countFile = join(mkdtempSync(join(tmpdir(), 'pl-count-')), 'counts.json');
  const r = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/count-reporter.mjs',
      `--test-reporter-destination=${countFile}`,
      ...files.map((f) => relative(root, f)),
    ],
    // the CLI's state (where anonymous volumes were seen) goes to a folder of this run, not the user's own
    { env: { ...process.env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'pl-state-')), ...env } },
  );
  record(tier, readCounts(tier, 'the test runner', countFile, r));
}

/**
 * Runs the unit test files in `shards` processes side by side (scripts/unit-shard.mjs: each imports its files
 * into one process), the files dealt out largest first to the shard with the fewest bytes. Each shard's spec
 * output is shown whole when it ends, so that the two do not interleave; the counts are added up.
 */
async function runUnitShards(tier, files, shards) {
  if (files.length === 0) {
    record(tier, { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: no test files found`] });
    return;
  }
  const groups = Array.from({ length: Math.min(shards, files.length) }, () => ({ bytes: 0, files: [] }));
  for (const f of [...files].sort((a, b) => statSync(b).size - statSync(a).size)) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += statSync(f).size;
    lightest.files.push(f);
  }
  const stateHome = mkdtempSync(join(tmpdir(), 'pl-state-'));
  const results = await Promise.all(
    groups.map(async (g) => {
      const countFile = join(mkdtempSync(join(tmpdir(), 'pl-count-')), 'counts.json');
      const r = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=./scripts/count-reporter.mjs',
          `--test-reporter-destination=${countFile}`,
          'scripts/unit-shard.mjs',
          ...g.files.map((f) => relative(root, f)),
        ],
        { stdio: 'pipe', env: { ...process.env, XDG_STATE_HOME: stateHome } },
      );
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return readCounts(tier, `the shard of ${g.files.length} files`, countFile, r);
    }),
  );
  record(tier, {
    passed: results.reduce((n, c) => n + c.passed, 0),
    failed: results.reduce((n, c) => n + c.failed, 0),
    skipped: results.reduce((n, c) => n + c.skipped, 0),
    failures: results.flatMap((c) => c.failures),
    slowest: slowestOf(results.flatMap((c) => c.slowest ?? [])),
  });
}

/** Runs a runner that writes its counts to the file named by --counts; a runner that dies still counts as failed. */
async function runCountingRunner(tier, runnerArgs, timeoutMs) {
  const countFile = join(mkdtempSync(join(tmpdir(), 'pl-count-')), 'counts.json');
  const r = await run(process.execPath, [...runnerArgs, '--counts', countFile], { timeoutMs, killSignal: 'SIGTERM' });
  return readCounts(tier, 'the runner', countFile, r);
}

/** The counts a runner wrote to countFile; one more failure when it wrote none, or exited non-zero with none failed. */
function readCounts(tier, runner, countFile, r) {
  const exit = exitOf(r);
  let counts;
  try {
    counts = JSON.parse(readFileSync(countFile, 'utf8'));
  } catch {
    return { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: ${runner} exited ${exit} without results`] };
  }
  if (r.code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures.push(`${tier}: ${runner} exited ${exit}`);
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

/** The counts of a tier that is one check: tsc, eslint, the build. */
function oneCheck(ok, failure) {
  return ok ? { passed: 1, failed: 0, skipped: 0, failures: [] } : { passed: 0, failed: 1, skipped: 0, failures: [failure] };
}

/** How a program ended, for a message: its exit code, or the signal that ended it. */
function exitOf(r) {
  return r.code ?? r.signal;
}

/** Runs these build scripts in turn; whether each exited 0 (it stops at the first that does not). */
async function buildsPass(...scripts) {
  for (const s of scripts) if ((await run(process.execPath, [join(root, s)])).code !== 0) return false;
  return true;
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

/** One check that passes or fails as a whole (tsc, eslint), run with its output held until it ends. */
async function check(tier, title, nodeArgs, failure) {
  tierStarted.set(tier, Date.now());
  const r = await run(
    process.execPath,
    nodeArgs.map((a) => (a.startsWith('node_modules/') ? join(root, a) : a)),
    { stdio: 'pipe' },
  );
  banner(title, { started: false });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  record(tier, oneCheck(r.code === 0, failure));
}

await ensureDependencies();

// code-server and Chromium (the editor and e2e tiers) take a minute or two to install on a fresh machine, most
// of it waiting on downloads: that starts now, beside the checks and the unit tests, and the editor tier waits
// for it. Its messages are shown there.
const editorInstall =
  wanted('editor') || wanted('e2e')
    ? run('bash', [join(root, 'scripts/editor/install-code-server.sh')], { stdio: ['ignore', 'ignore', 'pipe'] })
    : undefined;
/** The install's result, its messages shown once. */
let installShown = false;
async function installed() {
  const r = await editorInstall;
  if (!installShown) process.stderr.write(r.stderr);
  installShown = true;
  return r;
}

// tsc and eslint each keep a core busy for half a minute, prettier for ten seconds: they run side by side, and
// each one's output is shown whole when it ends.
await Promise.all([
  wanted('typecheck') && check('typecheck', 'typecheck', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], 'tsc reported errors'),
  wanted('lint') &&
    check(
      'lint',
      'lint (typescript-eslint: floating promises, exhaustive switches, type-only imports; no warning allowed)',
      ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', 'src', 'test'],
      'eslint reported problems',
    ),
  wanted('format') &&
    check(
      'format',
      'format (prettier --check; `npm run format` rewrites what it names)',
      ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.'],
      'prettier found files not formatted (run `npm run format`)',
    ),
]);

if (wanted('build')) {
  banner('build (esbuild bundles)');
  const r = await run(process.execPath, [join(root, 'scripts/build.mjs')]);
  record('build', oneCheck(r.code === 0, 'the build failed'));
}

if (wanted('unit')) {
  banner('unit tests');
  // as many processes as there are cores, each running its share of the files (runUnitShards says why)
  await runUnitShards('unit', testFiles(join(root, 'test/unit')), Math.max(2, availableParallelism()));
}

if (wanted('integration')) {
  banner('integration tests (real Docker Engine, and a real Podman service for test/integration/podman*.test.ts)');
  const isPodman = (f) => /^podman.*\.test\.ts$/.test(f.slice(f.lastIndexOf('/') + 1));
  const up = await run('bash', [join(root, 'scripts/docker-up.sh')]);
  // Podman: scripts/podman-up.sh installs it and starts `podman system service` (rootful) on its own socket.
  const podmanUp = await run('bash', [join(root, 'scripts/podman-up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const files = testFiles(join(root, 'test/integration')).filter((f) => !isPodman(f) || podmanUp.code === 0);
  if (podmanUp.code !== 0)
    skipOrFail(
      'integration (podman)',
      `no Podman service could be started (scripts/podman-up.sh exited ${exitOf(podmanUp)}; its messages are above)`,
    );
  if (up.code !== 0) {
    skipOrFail('integration', `no Docker Engine could be started (scripts/docker-up.sh exited ${exitOf(up)})`);
    if (podmanUp.code === 0) await runNodeTests('integration (podman)', files.filter(isPodman));
  } else {
    // two files at a time: most of a file's time is waiting on the engine (docker stop's 10 s, compose up,
    // npm start's code-server), and every file names its own containers, volumes and projects
    await runNodeTests('integration', files, { concurrency: 2 });
  }
}

if (wanted('editor')) {
  banner('editor tests (the extension in a real code-server extension host, driven by Chromium)');
  // One-time install of code-server (from npm, into .cache/code-server) and Debian's Chromium; then the
  // Docker Engine and its test image, which the suite's container test needs.
  const install = await installed();
  const up = install.code === 0 ? await run('bash', [join(root, 'scripts/docker-up.sh')]) : undefined;
  if (install.code !== 0)
    skipOrFail('editor', `code-server could not be installed (scripts/editor/install-code-server.sh exited ${exitOf(install)})`);
  else if (up.code !== 0) skipOrFail('editor', `no Docker Engine could be started (scripts/docker-up.sh exited ${exitOf(up)})`);
  else if (!(await buildsPass('scripts/build.mjs', 'scripts/editor/build-suite.mjs')))
    record('editor', { passed: 0, failed: 1, skipped: 0, failures: ['editor: the extension or the suite did not build'] });
  // The runner has its own hard timeout (600 s) and cleans up on SIGTERM; this one is the backstop.
  else record('editor', await runCountingRunner('editor', [join(root, 'scripts/editor/run-suite.mjs')], 660_000));
}

if (wanted('e2e')) {
  banner('end-to-end tests (code-server inside a real container, driven by Chromium as a user would)');
  // code-server and Chromium (as for the editor tier), the Docker Engine, then the container image, built
  // without a registry from busybox-static and the host's libraries (scripts/e2e/build-image.sh).
  const install = await installed();
  const up = install.code === 0 ? await run('bash', [join(root, 'scripts/docker-up.sh')]) : undefined;
  const image =
    up?.code === 0 ? await run('bash', [join(root, 'scripts/e2e/build-image.sh')], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
  if (install.code !== 0)
    skipOrFail('e2e', `code-server or Chromium could not be installed (scripts/editor/install-code-server.sh exited ${exitOf(install)})`);
  else if (up.code !== 0) skipOrFail('e2e', `no Docker Engine could be started (scripts/docker-up.sh exited ${exitOf(up)})`);
  else if (image.code !== 0)
    skipOrFail('e2e', `the container image could not be built (scripts/e2e/build-image.sh exited ${exitOf(image)})`);
  else if (!(await buildsPass('scripts/build.mjs')))
    record('e2e', { passed: 0, failed: 1, skipped: 0, failures: ['e2e: the extension did not build'] });
  // The runner packages the .vsix itself, has its own hard timeout (1200 s) and cleans up on SIGTERM.
  else record('e2e', await runCountingRunner('e2e', ['--import', 'tsx', join(root, 'test/e2e/run.ts')], 1_260_000));
}

banner('summary');
for (const n of notes) console.log(`  ${n}`);
if (slowest.length) {
  console.log('\nSlowest tests:');
  for (const [tier, title, ms] of slowest.sort((a, b) => b[2] - a[2]).slice(0, 8))
    console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  [${tier}] ${title}`);
}
if (failures.length) {
  console.log('\nFailures:');
  for (const f of failures) console.log(`  ${f}`);
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed === 0 ? 0 : 1);
