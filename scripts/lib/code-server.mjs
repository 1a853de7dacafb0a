// code-server as `npm start` and the editor tier (scripts/editor/run-suite.mjs) run it on this machine: the one
// from .cache/code-server (scripts/editor/install-code-server.sh), in its own process group, listening on
// 127.0.0.1 with no password.
import { createWriteStream } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { withoutEditorVariables } from './browser-env.mjs';

const root = new URL('../..', import.meta.url).pathname;

/** code-server's entry point in its install folder (by default .cache/code-server, where the install script puts it). */
export function codeServerEntry(dir = join(root, '.cache/code-server')) {
  return join(dir, 'node_modules/code-server/out/node/entry.js');
}

/**
 * The environment for code-server: env without the variables of an editor this may run inside (they must not
 * leak into ours), nor those code-server itself reads in place of its command line (PORT overrides the port of
 * --bind-addr; PASSWORD and HASHED_PASSWORD go with --auth password).
 */
export function codeServerEnv(env = process.env) {
  const out = withoutEditorVariables(env);
  for (const k of ['PORT', 'PASSWORD', 'HASHED_PASSWORD']) delete out[k];
  return out;
}

/**
 * Starts code-server and resolves once it listens: { port, child, exited, lastLines }. `child` leads its own
 * process group (stop it with stopProcessGroup from ./proc.mjs); `exited` resolves with { code, signal } when it
 * has exited and its output is read; lastLines(n) is the end of its output. A code-server that exits before it
 * listens rejects, with `code`, `signal` and `lastLines` on the error.
 *
 *   entry       codeServerEntry(...)
 *   bindAddr    host:port; port 0 takes a free one
 *   env         passed through codeServerEnv()
 *   cwd         its working folder (the workspace)
 *   logFile     where its stdout and stderr go, line by line
 *   args        more of its command line: --config FILE, a folder to open, ...
 *   onSpawn     called with the child at once, for a caller that must be able to stop it before it listens
 */
export async function startCodeServer({
  entry = codeServerEntry(),
  bindAddr = '127.0.0.1:0',
  userDataDir,
  extensionsDir,
  env = process.env,
  cwd,
  logFile,
  args = [],
  onSpawn,
}) {
  const child = spawn(
    process.execPath,
    [
      entry,
      '--bind-addr',
      bindAddr,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      ...args,
    ],
    { cwd, env: codeServerEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onSpawn?.(child);
  const log = logFile ? createWriteStream(logFile) : undefined;
  const tail = [];
  const lastLines = (n = 15) => tail.slice(-n).join('\n');
  let onListening;
  const listening = new Promise((resolve) => (onListening = resolve));
  const onLine = (line) => {
    log?.write(line + '\n');
    tail.push(line);
    if (tail.length > 100) tail.shift();
    const m = /HTTP server listening on https?:\/\/[^\s]*:(\d+)/.exec(line);
    if (m) onListening(Number(m[1]));
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      tail.push(err.message);
      resolve({ code: 127, signal: null });
    });
    // its last lines may still be in the pipes when it exits: wait for them (not forever: what it started may hold them)
    child.once('exit', (code, signal) => {
      const done = () => resolve({ code, signal });
      child.once('close', done);
      setTimeout(done, 1_000).unref();
    });
  });
  const port = await Promise.race([listening, exited]);
  if (typeof port === 'number') return { port, child, exited, lastLines };
  const { code, signal } = port;
  throw Object.assign(new Error(`code-server exited (${signal ?? code}) before it listened`), { code, signal, lastLines });
}
