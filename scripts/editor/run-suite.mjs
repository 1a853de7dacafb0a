#!/usr/bin/env node
// Runs the editor suite (out/test/editor/suite, built by scripts/editor/build-suite.mjs) inside a real
// code-server extension host, with Debian's Chromium driven by playwright-core as the browser client.
//
//   node scripts/editor/run-suite.mjs [--counts FILE] [--timeout SECONDS] [--keep] [--suite DIR] [--metrics FILE]
//                                     [--host code-server|electron] [--code-server DIR] [--chromium FILE]
//
// --suite runs another bundled suite folder (index.js and its *.test.js; the bench runs only activation);
// --metrics writes what the suite measured in the extension host (recordMetric) as JSON.
//
// code-server rejects --extensionDevelopmentPath/--extensionTestsPath on its command line, so the page is
// opened with them in its `payload` query parameter; when the suite ends the workbench calls
// window.codeAutomationExit(code), which we expose to the page. The suite writes its per-test results to
// the JSON file named by PL_EDITOR_RESULTS (code-server's environment reaches the extension host).
//
// Every run is isolated: HOME, XDG_*, TMPDIR, code-server's user data and extensions dirs, and the
// workspace folder (a compose.yaml with an anonymous volume) live in a fresh folder, removed afterwards
// (--keep keeps it). A labelled test container is created before and removed after. code-server and
// Chromium are killed in every case: success, failure, the hard timeout, SIGINT/SIGTERM.
//
// Writes {passed, failed, skipped, failures: []} (scripts/count-reporter.mjs's format) to --counts, puts a
// screenshot and the logs in test-results/ on failure, and exits non-zero on any failure: 1 when a test or
// the run failed, 3 when it could not start, 130/143 on SIGINT/SIGTERM, 2 for a mistake on the command line.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  createWriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { slowestOf } from '../count-reporter.mjs';
import { parseOptions } from '../lib/args.mjs';
import { isolatedEnv, launchChromium, makeDirs } from '../lib/browser-env.mjs';
import { codeServerEntry, startCodeServer } from '../lib/code-server.mjs';
import { isAlive, run, runOk, stopProcessGroup } from '../lib/proc.mjs';

const root = realpathSync(new URL('../..', import.meta.url).pathname);
const USAGE = `usage: node scripts/editor/run-suite.mjs [--counts FILE] [--timeout SECONDS] [--keep] [--suite DIR] [--metrics FILE]
                                         [--host code-server|electron] [--code-server DIR] [--chromium FILE]

  --counts FILE        write {passed, failed, skipped, failures} (scripts/count-reporter.mjs's format)
  --timeout SECONDS    hard limit for the whole run (default 600: a backstop for a hang; the suite takes about 2 min on a quiet machine, 4-5 times that on a busy one)
  --keep               keep the run folder
  --suite DIR          run this bundled suite folder (default out/test/editor/suite)
  --metrics FILE       write what the suite measured in the extension host as JSON
  --host HOST          code-server (default), or electron: desktop VS Code via @vscode/test-electron (needs internet)
  --code-server DIR    code-server's install folder (default .cache/code-server)
  --chromium FILE      the browser (default /usr/bin/chromium)`;

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[editor ${since()}] ${msg}`);

/** A run that cannot go on: why, and the exit code. */
class Failure extends Error {
  constructor(reason, exitCode = 1) {
    super(reason);
    this.exitCode = exitCode;
  }
}

const docker = async (...a) => (await runOk('docker', a, { timeoutMs: 30_000 })).stdout.trim();

function options() {
  const o = parseOptions(
    {
      counts: { type: 'string' },
      timeout: { type: 'number', default: 600 },
      keep: { type: 'boolean', default: false },
      'code-server': { type: 'string', default: join(root, '.cache/code-server') },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
      host: { type: 'string', default: 'code-server' },
      suite: { type: 'string', default: join(root, 'out/test/editor/suite') },
      metrics: { type: 'string' },
    },
    USAGE,
  );
  return {
    countsFile: o.counts,
    timeoutSec: o.timeout,
    keep: o.keep,
    codeServerDir: o['code-server'],
    entry: codeServerEntry(o['code-server']),
    chromiumPath: o.chromium,
    host: o.host,
    suiteIndex: join(resolve(o.suite), 'index.js'),
    metricsFile: o.metrics,
  };
}

async function main() {
  const opts = options();
  /** What cleanup() undoes, filled in as the run goes. */
  const state = {
    runDir: undefined,
    codeServer: undefined,
    browser: undefined,
    page: undefined,
    containerId: undefined,
    tmpfsMounted: undefined,
  };
  // A signal, the hard timeout or code-server's death ends the run wherever it is: the race below.
  let stop;
  const stopped = new Promise((_, reject) => (stop = reject));
  process.on('SIGINT', () => stop(new Failure('interrupted (SIGINT)', 130)));
  process.on('SIGTERM', () => stop(new Failure('terminated (SIGTERM)', 143)));
  const hardTimeout = setTimeout(
    () => stop(new Failure(`hard timeout: the run took longer than ${opts.timeoutSec} s`)),
    opts.timeoutSec * 1000,
  );
  try {
    const counts = await Promise.race([runSuite(opts, state, stop), stopped]);
    if (counts.failed > 0) await saveFailureArtifacts(state, counts.failures.join('\n'));
    writeCounts(opts, counts);
    return counts.failed === 0 ? 0 : 1;
  } catch (err) {
    const failure = err instanceof Failure ? err : new Failure(`the runner crashed: ${err?.stack ?? err}`);
    console.error(`\x1b[31m[editor] ${failure.message}\x1b[0m`);
    await saveFailureArtifacts(state, failure.message).catch(() => {});
    // When the run dies midway, the tests that did finish still count.
    const results = readResults(state.runDir);
    const counts = results ? countsOf(results) : { passed: 0, failed: 0, skipped: 0, failures: [] };
    counts.failed++;
    counts.failures.push(`test/editor: ${failure.message}`);
    writeCounts(opts, counts);
    return failure.exitCode;
  } finally {
    clearTimeout(hardTimeout);
    await cleanup(state, opts);
  }
}

/** The whole run, from the preconditions to the counts; throws a Failure when it cannot go on. */
async function runSuite(opts, state, stop) {
  const { host, entry, codeServerDir, chromiumPath, suiteIndex } = opts;
  // ---- preconditions --------------------------------------------------------------------------------
  if (host === 'code-server' && !existsSync(entry))
    throw new Failure(`code-server is not installed at ${codeServerDir} (run scripts/editor/install-code-server.sh)`, 3);
  if (host === 'code-server' && !existsSync(chromiumPath))
    throw new Failure(`no Chromium at ${chromiumPath} (apt-get install chromium)`, 3);
  if (!existsSync(suiteIndex)) throw new Failure(`the suite is not built: ${suiteIndex} (run scripts/editor/build-suite.mjs)`, 3);
  if (!existsSync(join(root, 'dist/extension.js')))
    throw new Failure('the extension is not built: dist/extension.js (run scripts/build.mjs)', 3);

  // ---- an isolated run folder -------------------------------------------------------------------------
  state.runDir = realpathSync(mkdtempSync(join(tmpdir(), 'pl-editor-')));
  const dirs = makeDirs(state.runDir, ['home', 'config', 'data', 'cache', 'tmp', 'user-data', 'extensions', 'ws']);
  const workspace = dirs.ws;
  writeFileSync(
    join(workspace, 'compose.yaml'),
    ['services:', '  app:', '    image: persistence-test:latest', '    volumes:', '      - /var/lib/app-data', ''].join('\n'),
  );
  const resultsFile = join(state.runDir, 'results.json');
  await mountTmpfs(state);

  // ---- a labelled test container on the Docker Engine -----------------------------------------------
  const dockerHost = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const containerName = `pl-editor-${process.pid}-${Date.now().toString(36)}`;
  await removeStaleContainers();
  try {
    state.containerId = await docker(
      'create',
      '--label',
      'persistence-lens.test=1',
      '--label',
      `persistence-lens.editor-runner-pid=${process.pid}`,
      '--name',
      containerName,
      '-v',
      '/srv/state',
      'persistence-test:latest',
    );
  } catch (err) {
    throw new Failure(
      `could not create the test container (is the Docker Engine up, and persistence-test:latest built? scripts/docker-up.sh): ${err.stderr || err.message}`,
    );
  }
  log(`test container ${containerName} (${state.containerId.slice(0, 12)}) created`);

  // ---- the editor -------------------------------------------------------------------------------------
  const env = {
    ...process.env,
    ...isolatedEnv(dirs),
    DOCKER_HOST: dockerHost,
    PL_EDITOR_RESULTS: resultsFile,
    PL_EDITOR_WORKSPACE: workspace,
    PL_EDITOR_EXTENSION_PATH: root,
    PL_EDITOR_CONTAINER: containerName,
    PL_EDITOR_CONTAINER_ID: state.containerId,
    PL_EDITOR_DOCKER_HOST: dockerHost,
    ...(state.tmpfsMounted ? { PL_EDITOR_TMPFS: state.tmpfsMounted } : {}),
  };
  const code = host === 'electron' ? await runInElectron(opts, dirs, env) : await runInCodeServer(opts, state, dirs, env, stop);

  // ---- results --------------------------------------------------------------------------------------
  const results = readResults(state.runDir);
  if (!results) throw new Failure(`the suite wrote no results (${resultsFile}); codeAutomationExit(${code})`);
  for (const t of results.tests) {
    const mark = t.state === 'passed' ? '\x1b[32m✔\x1b[0m' : t.state === 'failed' ? '\x1b[31m✖\x1b[0m' : '\x1b[33m-\x1b[0m';
    console.log(`  ${mark} ${t.fullTitle} (${Math.round(t.durationMs)} ms)`);
    if (t.error)
      console.log(
        t.error
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n'),
      );
  }
  const metrics = Object.entries(results.metrics ?? {});
  if (metrics.length) {
    console.log('  measured in the extension host:');
    for (const [k, v] of metrics) console.log(`    ${k}: ${v}`);
  }
  if (opts.metricsFile) writeFileSync(opts.metricsFile, JSON.stringify(results.metrics ?? {}) + '\n');
  const counts = countsOf(results);
  if (!results.done) {
    counts.failed++;
    counts.failures.push('test/editor: the suite did not finish');
  }
  if (code !== 0 && counts.failed === 0) {
    counts.failed++;
    counts.failures.push(`test/editor: the extension host reported exit code ${code}`);
  }
  if (counts.passed + counts.failed === 0) {
    counts.failed++;
    counts.failures.push('test/editor: no test ran');
  }
  console.log(
    `  editor: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} in ${since()}`,
  );
  return counts;
}

/**
 * A real tmpfs, for a file whose storage is lost on restart (mounting needs root, which CI has; without it
 * the tests that need it fail and say so). Never under /tmp or /run, even for a clone made there: files in
 * those are temporary by definition and never worth a warning.
 */
async function mountTmpfs(state) {
  const underTemporary = ['/tmp', '/run'].some((t) => root === t || root.startsWith(`${t}/`));
  const tmpfsDir = join(underTemporary ? '/mnt' : join(root, '.cache'), `pl-editor-tmpfs-${process.pid}`);
  mkdirSync(tmpfsDir, { recursive: true });
  const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0777', 'pl-editor-tmpfs', tmpfsDir]);
  if (r.code === 0) state.tmpfsMounted = tmpfsDir;
  else {
    log(`no tmpfs mounted at ${tmpfsDir}: ${r.stderr.trim() || `mount exited ${r.code ?? r.signal}`}`);
    rmSync(tmpfsDir, { recursive: true, force: true });
  }
}

/** Containers left by runs that were killed before their cleanup: their runner's pid is gone. */
async function removeStaleContainers() {
  let rows = '';
  try {
    rows = await docker(
      'ps',
      '-a',
      '--filter',
      'label=persistence-lens.editor-runner-pid',
      '--format',
      '{{.ID}} {{.Label "persistence-lens.editor-runner-pid"}}',
    );
  } catch {
    return;
  }
  for (const row of rows.split('\n').filter(Boolean)) {
    const [id, pid] = row.split(' ');
    if (!isAlive(pid)) await docker('rm', '-f', '-v', id).catch(() => {});
  }
}

async function runInCodeServer(opts, state, dirs, env, stop) {
  const { port, exited } = await startCodeServer({
    entry: opts.entry,
    userDataDir: dirs['user-data'],
    extensionsDir: dirs.extensions,
    env,
    cwd: dirs.ws,
    logFile: join(state.runDir, 'code-server.log'),
    onSpawn: (child) => (state.codeServer = child),
  }).catch((err) => Promise.reject(new Failure(err.message)));
  exited.then(({ code, signal }) => stop(new Failure(`code-server exited (${signal ?? code}) before the suite finished`)));
  log(`code-server listening on 127.0.0.1:${port}`);

  // ---- Chromium, the page, and the suite ------------------------------------------------------------
  process.env.TMPDIR = dirs.tmp; // playwright's own temporary profile goes in the run folder too
  const launched = await launchChromium({ executablePath: opts.chromiumPath, env: { ...process.env, ...isolatedEnv(dirs) } });
  state.browser = launched.browser;
  const page = (state.page = await launched.context.newPage());
  const consoleLog = createWriteStream(join(state.runDir, 'page-console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.stack ?? e.message}\n`));
  let reportExit;
  const exitCode = new Promise((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, a) => consoleLog.write(`[automation ${type}] ${JSON.stringify(a)}\n`));

  const authority = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
    ['extensionTestsPath', `vscode-remote://${authority}${opts.suiteIndex}`],
  ];
  const url = `http://${authority}/?folder=${encodeURIComponent(dirs.ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  } catch (err) {
    throw new Failure(`the workbench page did not load: ${err.message}`);
  }
  page
    .waitForSelector('.monaco-workbench', { timeout: 60_000 })
    .then(() => log('workbench shown'))
    .catch(() => {});
  log('page opened; the suite runs in the extension host');
  const code = await exitCode;
  log(`the suite ended: codeAutomationExit(${code})`);
  return code;
}

/**
 * The same suite under desktop VS Code, through @vscode/test-electron (`npm run test:electron`, a devDependency).
 * It downloads VS Code, so it needs internet; CI (offline) uses code-server.
 */
async function runInElectron(opts, dirs, env) {
  const { default: testElectron } = await import('@vscode/test-electron').then((m) => ({ default: m.default ?? m }));
  try {
    return await testElectron.runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: opts.suiteIndex,
      extensionTestsEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('PL_EDITOR_') || k === 'DOCKER_HOST')),
      launchArgs: [
        dirs.ws,
        '--user-data-dir',
        dirs['user-data'],
        '--extensions-dir',
        dirs.extensions,
        '--disable-workspace-trust',
        '--disable-gpu',
      ],
    });
  } catch (err) {
    // runTests rejects with the exit code when the suite fails; anything else is a launch failure.
    if (typeof err === 'number' || /exit code/i.test(String(err?.message ?? err))) return typeof err === 'number' ? err : 1;
    throw new Failure(`VS Code could not be downloaded or started (test:electron needs internet): ${err?.message ?? err}`);
  }
}

/** Stops the browser and code-server and removes the test container, the tmpfs and the run folder (unless --keep). */
async function cleanup(state, opts) {
  if (state.browser) {
    const b = state.browser;
    state.browser = undefined;
    const pid = b.process?.()?.pid; // only for a launched browser
    await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  await stopProcessGroup(state.codeServer);
  if (state.containerId) {
    await docker('rm', '-f', '-v', state.containerId).catch((err) =>
      console.error(`[editor] could not remove test container ${state.containerId}: ${err.message}`),
    );
    state.containerId = undefined;
  }
  if (state.tmpfsMounted) {
    const r = await run('umount', ['-l', state.tmpfsMounted]);
    if (r.code !== 0)
      console.error(`[editor] could not unmount ${state.tmpfsMounted}: ${r.stderr.trim() || `umount exited ${r.code ?? r.signal}`}`);
    rmSync(state.tmpfsMounted, { recursive: true, force: true });
    state.tmpfsMounted = undefined;
  }
  if (state.runDir && !opts.keep) rmSync(state.runDir, { recursive: true, force: true });
  else if (state.runDir) log(`kept ${state.runDir}`);
}

async function saveFailureArtifacts(state, reason) {
  const dir = join(root, 'test-results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (state.page) {
    const shot = join(dir, `editor-${stamp}.png`);
    try {
      await state.page.screenshot({ path: shot, timeout: 10_000 });
      console.error(`[editor] screenshot: ${relative(root, shot)}`);
    } catch (err) {
      console.error(`[editor] no screenshot: ${err.message}`);
    }
  }
  for (const name of ['code-server.log', 'page-console.log', 'results.json']) {
    const f = state.runDir && join(state.runDir, name);
    if (f && existsSync(f)) copyFileSync(f, join(dir, `editor-${stamp}-${name}`));
  }
  writeFileSync(join(dir, `editor-${stamp}-reason.txt`), reason + '\n');
  const csLog = state.runDir && join(state.runDir, 'code-server.log');
  if (csLog && existsSync(csLog)) {
    const tail = readFileSync(csLog, 'utf8').split('\n').slice(-25).join('\n');
    console.error(`[editor] last lines of code-server's log:\n${tail}`);
  }
}

function writeCounts(opts, counts) {
  if (opts.countsFile) writeFileSync(opts.countsFile, JSON.stringify(counts) + '\n');
}

function readResults(runDir) {
  try {
    return JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function countsOf(results) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const t of results.tests) {
    counts[t.state]++;
    if (t.state === 'failed') counts.failures.push(`${t.file} ${t.fullTitle}`);
  }
  counts.slowest = slowestOf(results.tests.filter((t) => t.state !== 'skipped').map((t) => [`${t.file} ${t.fullTitle}`, t.durationMs]));
  return counts;
}

process.exit(await main());
