#!/usr/bin/env node
// `npm start`: the product as its users meet it, on this machine.
//
//   1. install the project's dependencies when they are missing or stale (npm ci);
//   2. build and package the .vsix (scripts/package.mjs, offline);
//   3. install code-server into .cache/code-server (scripts/editor/install-code-server.sh, one time, ~1 min);
//   4. install the .vsix into a code-server whose user data, extensions, config and XDG dirs are all under
//      .cache/start/ (never the user's own);
//   5. when a Docker Engine answers, build the demo images (from Debian's static busybox, no registry) and
//      bring up examples/demo/compose.yaml: a named volume, anonymous volumes, a bind mount, a tmpfs, data in
//      the writable layer and a database at risk;
//   6. start code-server on examples/ and print its URL: 127.0.0.1 only, no password (--auth none), on a free
//      port or $PORT.
// Ctrl-C (SIGINT) or SIGTERM stops code-server and removes the demo containers and their anonymous volumes;
// the demo's named volumes are kept (it says how to remove them).
//
// Environment: PORT (the port; default a free one), PL_START_DIR (default .cache/start), PL_DEMO_PROJECT
// (the compose project, default persistence-lens-demo), PL_NO_DEMO=1 (skip the demo).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { codeServerEntry, codeServerEnv, startCodeServer } from './lib/code-server.mjs';
import { run as runProgram, stopProcessGroup } from './lib/proc.mjs';

const root = realpathSync(new URL('..', import.meta.url).pathname);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const state = resolve(process.env.PL_START_DIR || join(root, '.cache/start'));
const project = process.env.PL_DEMO_PROJECT || 'persistence-lens-demo';
const demoFile = join(root, 'examples/demo/compose.yaml');
const workspace = join(root, 'examples');
const vsix = join(state, `${pkg.name}-${pkg.version}.vsix`);
const dirs = {
  userData: join(state, 'user-data'),
  extensions: join(state, 'extensions'),
  config: join(state, 'xdg/config'),
  data: join(state, 'xdg/data'),
  cache: join(state, 'xdg/cache'),
  stateHome: join(state, 'xdg/state'),
};
const DEMO_IMAGES = {
  workspace: { tag: 'persistence-lens-demo/workspace:1', changes: ['ENV HOME=/root', 'WORKDIR /root', 'CMD ["sh"]'] },
  redis: { tag: 'persistence-lens-demo/redis:7', changes: ['VOLUME /data', 'WORKDIR /data', 'CMD ["sh"]'] },
};

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
/** A path as the user can best read it: relative to the current directory when it is below it. */
const show = (p) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};
const log = (msg) => console.log(`[start ${secs()}s] ${msg}`);
const warn = (msg) => console.error(`[start ${secs()}s] ${process.stderr.isTTY ? `\x1b[33m${msg}\x1b[0m` : msg}`);

// ---- what stop() undoes ---------------------------------------------------------------------------
const running = new Set(); // child processes of the current step
let codeServer; // leader of its own process group
let demoStarted = false;
let compose; // [cmd, ...args] for this machine's compose
let composeName; // what to call it in messages
let stopping;

/** Runs a program in the project folder, as one that stop() stops; resolves { code, signal, stdout, stderr } (lib/proc.mjs). */
const run = (cmd, args, opts) => runProgram(cmd, args, { cwd: root, track: running, ...opts });

async function stop(exitCode, why) {
  if (stopping) return stopping;
  stopping = (async () => {
    if (why) log(`${why}: stopping what npm start started`);
    for (const child of running) child.kill('SIGTERM');
    await killCodeServer();
    if (demoStarted) await removeDemo();
    process.exit(exitCode);
  })();
  return stopping;
}

async function fail(message, exitCode = 1) {
  if (stopping) return stopping; // a step that failed because Ctrl-C killed it: nothing to report
  console.error(`\n[start] ${process.stderr.isTTY ? `\x1b[31m${message}\x1b[0m` : message}\n`);
  await stop(exitCode);
}

process.on('SIGINT', () => stop(130, 'interrupted (SIGINT)'));
process.on('SIGTERM', () => stop(143, 'terminated (SIGTERM)'));
process.on('SIGHUP', () => stop(129, 'hung up (SIGHUP)'));

async function killCodeServer() {
  if (!codeServer || codeServer.exitCode !== null || codeServer.signalCode !== null) return;
  await stopProcessGroup(codeServer);
  log('code-server stopped');
}

// ---- the demo ---------------------------------------------------------------------------------------
const docker = (...args) => run('docker', args, { timeoutMs: 60_000 });
const composeRun = (...args) => run(compose[0], [...compose.slice(1), '-p', project, '-f', demoFile, ...args], { timeoutMs: 180_000 });

async function findCompose() {
  if ((await run('docker', ['compose', 'version'], { timeoutMs: 15_000 })).code === 0) return [['docker', 'compose'], 'docker compose'];
  if ((await run('docker-compose', ['version', '--short'], { timeoutMs: 15_000 })).code === 0)
    return [['docker-compose', '--ansi', 'never'], 'docker-compose'];
  return [undefined, undefined];
}

/** The demo images: Debian's static busybox as the whole root file system, imported (no registry, no build). */
async function buildDemoImage({ tag, changes }) {
  if ((await docker('image', 'inspect', tag)).code === 0) return true;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) {
    warn('no static busybox (/bin/busybox; on Debian: apt-get install busybox-static): the demo needs it to build its images');
    return false;
  }
  const ctx = mkdtempSync(join(tmpdir(), 'pl-demo-image-'));
  try {
    for (const d of ['bin', 'etc', 'root', 'tmp', 'data', 'workspace']) mkdirSync(join(ctx, d));
    writeFileSync(join(ctx, 'bin/busybox'), readFileSync(busybox), { mode: 0o755 });
    const applets =
      'sh ash ls cat echo printf sleep mkdir touch rm cp mv ln find stat head tail wc du df tar gzip gunzip sha256sum id env test true false date chmod chown grep sed awk vi less ps kill hostname uname';
    for (const a of applets.split(' ')) symlinkSync('busybox', join(ctx, 'bin', a));
    writeFileSync(join(ctx, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(ctx, 'etc/group'), 'root:x:0:\n');
    const tarFile = `${ctx}.tar`;
    const tar = await run('tar', ['-C', ctx, '-cf', tarFile, '.']);
    if (tar.code !== 0) {
      warn(`could not make the image's file system: ${tar.stderr.trim()}`);
      return false;
    }
    const r = await run('docker', ['import', ...changes.flatMap((c) => ['--change', c]), tarFile, tag], { timeoutMs: 120_000 });
    if (r.code !== 0) {
      warn(`could not build ${tag}: ${r.stderr.trim()}`);
      return false;
    }
    // A dynamically linked busybox cannot run in an image with no libraries.
    const probe = await docker('run', '--rm', '--network', 'none', tag, 'true');
    if (probe.code !== 0) {
      await docker('image', 'rm', tag);
      warn(`${tag} does not run (${probe.stderr.trim()}): is ${busybox} the static busybox (busybox-static)?`);
      return false;
    }
    log(`built ${tag} from ${busybox}`);
    return true;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
    rmSync(`${ctx}.tar`, { force: true });
  }
}

async function startDemo() {
  if (process.env.PL_NO_DEMO === '1') {
    log('PL_NO_DEMO=1: no demo containers');
    return;
  }
  const version = await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 });
  if (version.code !== 0) {
    const why =
      version.code === 127 ? 'no docker command' : version.stderr.trim().split('\n').pop() || `docker version exited ${version.code}`;
    warn(`no Docker Engine answered (${why}): no demo containers. The extension still reads this machine's mounts and the example files.`);
    return;
  }
  [compose, composeName] = await findCompose();
  if (!compose) {
    warn(
      `Docker Engine ${version.stdout.trim()} answers, but neither \`docker compose\` nor \`docker-compose\` is installed: no demo containers.`,
    );
    return;
  }
  for (const image of Object.values(DEMO_IMAGES)) if (!(await buildDemoImage(image))) return warn('no demo containers.');
  if (stopping) return;
  demoStarted = true; // from here on, stop() takes the project down, even if `up` fails midway
  followDemoVolumes();
  const up = await composeRun('up', '-d', '--remove-orphans');
  if (up.code !== 0) {
    warn(`the demo did not start (${composeName} up exited ${up.code}):\n${up.stderr.trim()}`);
    return;
  }
  // what the events may have missed while `docker events` was still connecting
  for (const id of (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`)).stdout
    .split('\n')
    .filter(Boolean)) {
    for (const v of await anonymousOf(id)) demoAnonymousVolumes.add(v);
  }
  const ps = await docker('ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}');
  log(
    `demo: ${composeName} project ${bold(project)} up on Docker Engine ${version.stdout.trim()}: ${ps.stdout.trim().split('\n').join(', ')}`,
  );
}

/**
 * Every anonymous volume a demo container mounted during this session, also one that a recreate (Persist
 * Path… and `up -d`, a rebuild) left behind: anonymous volumes carry no label, so only the engine's events
 * name them as they are mounted.
 */
const demoAnonymousVolumes = new Set();
let volumeEvents;
function followDemoVolumes() {
  volumeEvents = spawn(
    'docker',
    ['events', '--filter', 'type=volume', '--filter', 'event=mount', '--format', '{{.Actor.ID}} {{index .Actor.Attributes "container"}}'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  volumeEvents.on('error', () => undefined);
  const demoContainers = new Map(); // id → whether it is the demo's
  createInterface({ input: volumeEvents.stdout }).on('line', async (line) => {
    const [volume, container] = line.trim().split(' ');
    if (!volume || !/^[0-9a-f]{64}$/.test(volume) || !container) return;
    if (!demoContainers.has(container)) {
      const r = await docker('inspect', '--format', '{{index .Config.Labels "com.docker.compose.project"}}', container);
      demoContainers.set(container, r.stdout.trim() === project);
    }
    if (demoContainers.get(container)) demoAnonymousVolumes.add(volume);
  });
}

const anonymousOf = async (id) =>
  (await docker('inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id)).stdout
    .split(/\s+/)
    .filter((n) => /^[0-9a-f]{64}$/.test(n));

/**
 * `down` without -v: containers and network go; the demo's anonymous volumes are removed too, with those it
 * orphaned during the session; named volumes stay. Other orphaned anonymous volumes are named, never removed.
 */
async function removeDemo() {
  volumeEvents?.kill('SIGTERM');
  const ids = (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`)).stdout.split('\n').filter(Boolean);
  for (const id of ids) for (const v of await anonymousOf(id)) demoAnonymousVolumes.add(v);
  const down = await composeRun('down', '--remove-orphans', '-t', '3');
  if (down.code !== 0) {
    warn(`${composeName} down failed: ${down.stderr.trim()}; removing the containers directly`);
    if (ids.length) await docker('rm', '-f', ...ids);
  }
  const dangling = new Set(
    (await docker('volume', 'ls', '-q', '--filter', 'dangling=true')).stdout.split('\n').filter((n) => /^[0-9a-f]{64}$/.test(n)),
  );
  // only what no container uses any more: a volume still mounted somewhere is not the demo's to remove
  const ours = [...demoAnonymousVolumes].filter((v) => dangling.has(v));
  if (ours.length) await docker('volume', 'rm', ...ours);
  const named = (await docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`)).stdout
    .split('\n')
    .filter(Boolean);
  log(`removed the demo containers${ours.length ? ` and their ${ours.length} anonymous volume${ours.length === 1 ? '' : 's'}` : ''}`);
  if (named.length) log(`kept the demo's named volumes (${named.join(', ')}); to remove them: docker volume rm ${named.join(' ')}`);
  const others = [...dangling].filter((v) => !demoAnonymousVolumes.has(v));
  if (others.length) {
    log(
      `${others.length} other anonymous volume${others.length === 1 ? ' is' : 's are'} used by no container (orphaned, not the demo's, kept): ${others.map((v) => v.slice(0, 12)).join(', ')}; see docker volume ls -f dangling=true`,
    );
  }
}

// ---- steps --------------------------------------------------------------------------------------------
/** Fails now, before anything is built, when $PORT is taken. */
async function checkPort() {
  if (!process.env.PORT) return 0;
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    await fail(`PORT=${process.env.PORT} is not a port number (1-65535); unset PORT for a free one`, 2);
  const free = await new Promise((r) => {
    const srv = createServer();
    srv.once('error', (err) => r(err.code));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
  if (free !== true)
    await fail(
      `port ${port} on 127.0.0.1 is ${free === 'EADDRINUSE' ? 'in use' : `not available (${free})`}: choose another (PORT=8081 npm start) or unset PORT for a free one`,
      2,
    );
  return port;
}

async function ensureDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs) return;
  log('installing dependencies (npm ci)');
  const r = await run('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.code !== 0) await fail(`npm ci failed (exit ${r.code ?? r.signal})`);
}

async function packageVsix() {
  mkdirSync(state, { recursive: true });
  const r = await run(process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix]);
  if (r.code !== 0) await fail(`packaging failed (scripts/package.mjs exited ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  log(`built and packaged ${show(vsix)} (${Math.round(statSync(vsix).size / 1024)} KiB)`);
}

async function installCodeServer() {
  // stderr shows the one-time install's progress; stdout is the code-server directory.
  const r = await run('bash', [join(root, 'scripts/editor/install-code-server.sh')], {
    env: { ...process.env, PL_NO_CHROMIUM: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = r.stdout.trim().split('\n').pop();
  const entry = dir && codeServerEntry(dir);
  if (r.code !== 0 || !entry || !existsSync(entry)) {
    await fail(
      `code-server could not be installed (scripts/editor/install-code-server.sh exited ${r.code ?? r.signal}; its messages are above).\n` +
        `npm start needs it: code-server 4.100.3 from the npm registry, built with Debian's build-essential, python3,\n` +
        `pkg-config, libkrb5-dev and ripgrep (installed for you when you are root). The extension itself is packaged:\n` +
        `  ${vsix}\n` +
        `install it into your own editor with: code --install-extension ${vsix}  (or code-server --install-extension)`,
    );
  }
  return entry;
}

/** No variables of an editor npm start may run inside (lib/code-server.mjs); code-server's config, logs and state in .cache/start too. */
function startEnv() {
  return {
    ...codeServerEnv(),
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.stateHome,
  };
}

async function installExtension(entry) {
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const r = await run(
    process.execPath,
    [
      entry,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--config',
      join(state, 'config.yaml'),
      '--force',
      '--install-extension',
      vsix,
    ],
    { env: startEnv(), timeoutMs: 120_000 },
  );
  if (r.code !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    await fail(`code-server could not install ${vsix} (exit ${r.code ?? r.signal}):\n${(r.stdout + r.stderr).trim()}`);
  }
  log(`installed ${pkg.publisher}.${pkg.name} ${pkg.version} into code-server (extensions: ${show(dirs.extensions)})`);
}

/** First run only (the user may change them later): no welcome page, no Git or telemetry prompts. */
function writeDefaultSettings() {
  const file = join(dirs.userData, 'User/settings.json');
  if (existsSync(file)) return;
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'git.openRepositoryInParentFolders': 'never',
    'telemetry.telemetryLevel': 'off',
  };
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}

async function serve(entry, port) {
  writeDefaultSettings();
  writeFileSync(join(state, 'config.yaml'), `# written by npm start\nbind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(state, 'code-server.log');
  log(`starting code-server on 127.0.0.1:${port || '(a free port)'} (log: ${show(logFile)})`);
  let started;
  try {
    started = await startCodeServer({
      entry,
      bindAddr: `127.0.0.1:${port}`,
      userDataDir: dirs.userData,
      extensionsDir: dirs.extensions,
      env: startEnv(),
      cwd: workspace,
      logFile,
      args: ['--config', join(state, 'config.yaml'), '--ignore-last-opened', workspace],
      onSpawn: (child) => (codeServer = child),
    });
  } catch (err) {
    const text = err.lastLines();
    const inUse = /EADDRINUSE/.test(text) ? ` (port ${port} is in use: choose another with PORT=…, or unset PORT)` : '';
    return fail(`code-server exited (${err.signal ?? err.code}) before it listened${inUse}. Its last lines (${logFile}):\n${text}`);
  }
  const listening = started.port;
  started.exited.then(({ code, signal }) => {
    if (!stopping) fail(`code-server exited (${signal ?? code}). Its last lines (${logFile}):\n${started.lastLines()}`);
  });
  // The workbench page answers once the server is ready.
  const url = `http://127.0.0.1:${listening}/?folder=${encodeURIComponent(workspace)}`;
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok && /<html/i.test(await res.text())) return url;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  await fail(`code-server listens on ${listening} but its workbench page did not answer within 30 s (log: ${logFile})`);
}

// ---- main ------------------------------------------------------------------------------------------
/** Runs a step; once Ctrl-C is pressed no further step starts (stop() ends the process). */
async function step(fn) {
  if (stopping) await stopping;
  const result = await fn();
  if (stopping) await stopping;
  return result;
}

const port = await step(checkPort);
await step(ensureDependencies);
await step(packageVsix);
const entry = await step(installCodeServer);
await step(() => installExtension(entry));
await step(startDemo);
const url = await step(() => serve(entry, port));

console.log(`
${bold('Persistence Lens is running in code-server:')}

    ${bold(url)}

  - the folder is ${show(workspace)}/ (compose files, a dev container, ${demoStarted ? 'and the running demo' : 'no running demo'});
    open the Persistence view in the activity bar, or run "Persistence Lens: Show Scan Report".
  - code-server listens on 127.0.0.1 only, with no password (--auth none) and workspace trust off:
    anyone who can reach this port on this machine can use it. PORT=… picks the port.
  - its user data, extensions and logs are in ${show(state)}/ (not your own).
  - the .vsix: ${show(vsix)} (code --install-extension / code-server --install-extension).

Ready in ${secs()} s. Ctrl-C stops code-server${demoStarted ? ' and removes the demo containers (their named volumes are kept)' : ''}.
`);
