#!/usr/bin/env node
// Runs the editor suite (out/test/editor/suite, built by scripts/editor/build-suite.mjs) inside a real
// code-server extension host, with Debian's Chromium driven by playwright-core as the browser client.
//
//   node scripts/editor/run-suite.mjs [--counts FILE] [--timeout SECONDS] [--keep] [--suite DIR] [--metrics FILE]
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
// screenshot and the logs in test-results/ on failure, and exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { slowestOf } from '../count-reporter.mjs';
import { isolatedEnv, launchChromium, makeDirs, stopProcessGroup, withoutEditorVariables } from '../e2e/browser-env.mjs';

const root = realpathSync(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const countsFile = opt('--counts');
const timeoutSec = Number(opt('--timeout') ?? 150);
const keep = args.includes('--keep');
const codeServerDir = opt('--code-server') ?? join(root, '.cache/code-server');
const chromiumPath = opt('--chromium') ?? '/usr/bin/chromium';
const host = opt('--host') ?? 'code-server'; // or 'electron': desktop VS Code via @vscode/test-electron

const entry = join(codeServerDir, 'node_modules/code-server/out/node/entry.js');
const suiteIndex = join(opt('--suite') ? resolve(opt('--suite')) : join(root, 'out/test/editor/suite'), 'index.js');
const metricsFile = opt('--metrics');
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[editor ${since()}] ${msg}`);

// ---- state that cleanup() undoes -------------------------------------------------------------------
let runDir;
let codeServer; // ChildProcess, leader of its own process group
let browser;
let page;
let containerId;
let tmpfsMounted; // a real tmpfs for the status bar and save warning tests
let cleaningUp;

function writeCounts(counts) {
  if (countsFile) writeFileSync(countsFile, JSON.stringify(counts) + '\n');
}

function docker(...a) {
  return execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
}

/** Containers left by runs that were killed before their cleanup: their runner's pid is gone. */
function removeStaleContainers() {
  let rows = '';
  try {
    rows = docker('ps', '-a', '--filter', 'label=persistence-lens.editor-runner-pid', '--format', '{{.ID}} {{.Label "persistence-lens.editor-runner-pid"}}');
  } catch {
    return;
  }
  for (const row of rows.split('\n').filter(Boolean)) {
    const [id, pid] = row.split(' ');
    let alive = false;
    try {
      process.kill(Number(pid), 0);
      alive = true;
    } catch {}
    if (!alive) {
      try {
        docker('rm', '-f', '-v', id);
      } catch {}
    }
  }
}

async function killCodeServer() {
  await stopProcessGroup(codeServer);
}

async function cleanup() {
  cleaningUp ??= (async () => {
    if (browser) {
      const b = browser;
      browser = undefined;
      const pid = b.process?.()?.pid; // only for a launched browser
      await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
    await killCodeServer();
    if (containerId) {
      try {
        docker('rm', '-f', '-v', containerId);
      } catch (err) {
        console.error(`[editor] could not remove test container ${containerId}: ${err.message}`);
      }
      containerId = undefined;
    }
    if (tmpfsMounted) {
      try {
        execFileSync('umount', ['-l', tmpfsMounted], { stdio: 'ignore' });
      } catch (err) {
        console.error(`[editor] could not unmount ${tmpfsMounted}: ${err.message}`);
      }
      rmSync(tmpfsMounted, { recursive: true, force: true });
      tmpfsMounted = undefined;
    }
    if (runDir && !keep) rmSync(runDir, { recursive: true, force: true });
    else if (runDir) log(`kept ${runDir}`);
  })();
  return cleaningUp;
}

async function saveFailureArtifacts(reason) {
  const dir = join(root, 'test-results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (page) {
    const shot = join(dir, `editor-${stamp}.png`);
    try {
      await page.screenshot({ path: shot, timeout: 10_000 });
      console.error(`[editor] screenshot: ${relative(root, shot)}`);
    } catch (err) {
      console.error(`[editor] no screenshot: ${err.message}`);
    }
  }
  for (const name of ['code-server.log', 'page-console.log', 'results.json']) {
    const f = runDir && join(runDir, name);
    if (f && existsSync(f)) copyFileSync(f, join(dir, `editor-${stamp}-${name}`));
  }
  writeFileSync(join(dir, `editor-${stamp}-reason.txt`), reason + '\n');
  const csLog = runDir && join(runDir, 'code-server.log');
  if (csLog && existsSync(csLog)) {
    const tail = readFileSync(csLog, 'utf8').split('\n').slice(-25).join('\n');
    console.error(`[editor] last lines of code-server's log:\n${tail}`);
  }
}

async function fail(reason, code = 1) {
  if (cleaningUp) return; // already finishing (e.g. code-server's exit while we stop it)
  console.error(`\x1b[31m[editor] ${reason}\x1b[0m`);
  await saveFailureArtifacts(reason).catch(() => {});
  // When the run dies midway, the tests that did finish still count.
  const results = readResults();
  const counts = results ? countsOf(results) : { passed: 0, failed: 0, skipped: 0, failures: [] };
  counts.failed++;
  counts.failures.push(`test/editor: ${reason}`);
  writeCounts(counts);
  await cleanup();
  process.exit(code);
}

function readResults() {
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

process.on('SIGINT', () => fail('interrupted (SIGINT)', 130));
process.on('SIGTERM', () => fail('terminated (SIGTERM)', 143));
const hardTimeout = setTimeout(() => fail(`hard timeout: the run took longer than ${timeoutSec} s`), timeoutSec * 1000);

// ---- preconditions --------------------------------------------------------------------------------
if (host === 'code-server' && !existsSync(entry)) await fail(`code-server is not installed at ${codeServerDir} (run scripts/editor/install-code-server.sh)`, 3);
if (host === 'code-server' && !existsSync(chromiumPath)) await fail(`no Chromium at ${chromiumPath} (apt-get install chromium)`, 3);
if (!existsSync(suiteIndex)) await fail(`the suite is not built: ${suiteIndex} (run scripts/editor/build-suite.mjs)`, 3);
if (!existsSync(join(root, 'dist/extension.js'))) await fail('the extension is not built: dist/extension.js (run scripts/build.mjs)', 3);

// ---- an isolated run folder -------------------------------------------------------------------------
runDir = realpathSync(mkdtempSync(join(tmpdir(), 'pl-editor-')));
const dirs = makeDirs(runDir, ['home', 'config', 'data', 'cache', 'tmp', 'user-data', 'extensions', 'ws']);
const workspace = dirs.ws;
writeFileSync(
  join(workspace, 'compose.yaml'),
  ['services:', '  app:', '    image: persistence-test:latest', '    volumes:', '      - /var/lib/app-data', ''].join('\n'),
);
const resultsFile = join(runDir, 'results.json');

// A real tmpfs, for a file whose storage is lost on restart (mounting needs root, which CI has; without it
// the tests that need it fail and say so). Never under /tmp or /run, even for a clone made there: files in
// those are temporary by definition and never worth a warning.
const underTemporary = ['/tmp', '/run'].some((t) => root === t || root.startsWith(`${t}/`));
const tmpfsDir = join(underTemporary ? '/mnt' : join(root, '.cache'), `pl-editor-tmpfs-${process.pid}`);
try {
  mkdirSync(tmpfsDir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0777', 'pl-editor-tmpfs', tmpfsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  tmpfsMounted = tmpfsDir;
} catch (err) {
  log(`no tmpfs mounted at ${tmpfsDir}: ${String(err.stderr || err.message).trim()}`);
  rmSync(tmpfsDir, { recursive: true, force: true });
}

// ---- a labelled test container on the Docker Engine -----------------------------------------------
const dockerHost = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const containerName = `pl-editor-${process.pid}-${Date.now().toString(36)}`;
removeStaleContainers();
try {
  containerId = docker(
    'create',
    '--label', 'persistence-lens.test=1',
    '--label', `persistence-lens.editor-runner-pid=${process.pid}`,
    '--name', containerName,
    '-v', '/srv/state',
    'persistence-test:latest',
  );
} catch (err) {
  await fail(`could not create the test container (is the Docker Engine up, and persistence-test:latest built? scripts/docker-up.sh): ${err.stderr || err.message}`);
}
log(`test container ${containerName} (${containerId.slice(0, 12)}) created`);

// ---- code-server ------------------------------------------------------------------------------------
// When this runs inside another VS Code / code-server, its variables must not leak into ours.
const env = withoutEditorVariables({ ...process.env, ...isolatedEnv(dirs) });
Object.assign(env, {
  DOCKER_HOST: dockerHost,
  PL_EDITOR_RESULTS: resultsFile,
  PL_EDITOR_WORKSPACE: workspace,
  PL_EDITOR_EXTENSION_PATH: root,
  PL_EDITOR_CONTAINER: containerName,
  PL_EDITOR_CONTAINER_ID: containerId,
  PL_EDITOR_DOCKER_HOST: dockerHost,
  ...(tmpfsMounted ? { PL_EDITOR_TMPFS: tmpfsMounted } : {}),
});

async function runInCodeServer() {
  const csLog = createWriteStream(join(runDir, 'code-server.log'));
  codeServer = spawn(
    process.execPath,
    [
      entry,
      '--bind-addr', '127.0.0.1:0',
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', dirs['user-data'],
      '--extensions-dir', dirs.extensions,
    ],
    { cwd: workspace, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await new Promise((resolve) => {
    const onLine = (line) => {
      csLog.write(line + '\n');
      const m = /HTTP server listening on https?:\/\/[^\s]*:(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    };
    createInterface({ input: codeServer.stdout }).on('line', onLine);
    createInterface({ input: codeServer.stderr }).on('line', onLine);
    codeServer.once('exit', (code, sig) => fail(`code-server exited (${sig ?? code}) before the suite finished`));
  });
  log(`code-server listening on 127.0.0.1:${port}`);

  // ---- Chromium, the page, and the suite ------------------------------------------------------------
  process.env.TMPDIR = dirs.tmp; // playwright's own temporary profile goes in the run folder too
  const launched = await launchChromium({ executablePath: chromiumPath, env: { ...process.env, ...isolatedEnv(dirs) } });
  browser = launched.browser;
  page = await launched.context.newPage();
  const consoleLog = createWriteStream(join(runDir, 'page-console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.stack ?? e.message}\n`));
  let reportExit;
  const exitCode = new Promise((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, a) => consoleLog.write(`[automation ${type}] ${JSON.stringify(a)}\n`));

  const authority = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
    ['extensionTestsPath', `vscode-remote://${authority}${suiteIndex}`],
  ];
  const url = `http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 }).catch((err) => fail(`the workbench page did not load: ${err.message}`));
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
async function runInElectron() {
  const { default: testElectron } = await import('@vscode/test-electron').then((m) => ({ default: m.default ?? m }));
  try {
    return await testElectron.runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: suiteIndex,
      extensionTestsEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('PL_EDITOR_') || k === 'DOCKER_HOST')),
      launchArgs: [workspace, '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions, '--disable-workspace-trust', '--disable-gpu'],
    });
  } catch (err) {
    // runTests rejects with the exit code when the suite fails; anything else is a launch failure.
    if (typeof err === 'number' || /exit code/i.test(String(err?.message ?? err))) return typeof err === 'number' ? err : 1;
    await fail(`VS Code could not be downloaded or started (test:electron needs internet): ${err?.message ?? err}`);
  }
}

const code = host === 'electron' ? await runInElectron() : await runInCodeServer();


// ---- results --------------------------------------------------------------------------------------
const results = readResults();
if (!results) await fail(`the suite wrote no results (${resultsFile}); codeAutomationExit(${code})`);
for (const t of results.tests) {
  const mark = t.state === 'passed' ? '\x1b[32m✔\x1b[0m' : t.state === 'failed' ? '\x1b[31m✖\x1b[0m' : '\x1b[33m-\x1b[0m';
  console.log(`  ${mark} ${t.fullTitle} (${Math.round(t.durationMs)} ms)`);
  if (t.error) console.log(t.error.split('\n').map((l) => `      ${l}`).join('\n'));
}
const metrics = Object.entries(results.metrics ?? {});
if (metrics.length) {
  console.log('  measured in the extension host:');
  for (const [k, v] of metrics) console.log(`    ${k}: ${v}`);
}
if (metricsFile) writeFileSync(metricsFile, JSON.stringify(results.metrics ?? {}) + '\n');
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
console.log(`  editor: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} in ${since()}`);
if (counts.failed > 0) await saveFailureArtifacts(counts.failures.join('\n'));
writeCounts(counts);
clearTimeout(hardTimeout);
await cleanup();
process.exit(counts.failed === 0 ? 0 : 1);
