// Child processes for the scripts: one way to run a program to its end (run, runOk), one way to stop a
// process group started with `detached: true` (stopProcessGroup), and whether a pid still lives (isAlive).
import { spawn } from 'node:child_process';

/**
 * Runs a program to its end and resolves { code, signal, stdout, stderr, error }; it never rejects. `code` is the
 * exit code, or null when a signal ended the program; a program that could not be started resolves with code 127,
 * the reason in `error` and at the end of stderr. Output is captured where its stdio entry is 'pipe' (the default
 * for stdout and stderr; stdin is 'ignore'); `stdio: 'inherit'` shows it instead.
 *
 *   timeoutMs   kill the program (with killSignal, default SIGKILL) after this long; 0: never
 *   track       a Set that holds the child while it runs, for a caller that must stop what is running
 */
export function run(cmd, args, { cwd, env, stdio = 'pipe', timeoutMs = 0, killSignal = 'SIGKILL', track } = {}) {
  const streams = typeof stdio === 'string' ? ['ignore', stdio, stdio] : stdio;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: streams });
    track?.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = timeoutMs ? setTimeout(() => child.kill(killSignal), timeoutMs) : undefined;
    const done = (result) => {
      track?.delete(child);
      clearTimeout(timer);
      resolve(result);
    };
    child.on('error', (error) => done({ code: 127, signal: null, stdout, stderr: stderr + error.message, error }));
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** run(), but a program that does not exit 0 rejects, with the command, how it ended and its stderr in the message. */
export async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code === 0) return r;
  const err = new Error(`${cmd} ${args.join(' ')} exited ${r.signal ?? r.code}: ${r.stderr.trim().slice(-4000)}`);
  return Promise.reject(Object.assign(err, r));
}

/**
 * Stops a child started with `detached: true` and everything in its process group (code-server's extension
 * host, file watcher and pty host share it): SIGTERM, SIGKILL after 3 s, and SIGKILL again at the end.
 */
export async function stopProcessGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const group = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {}
  };
  group('SIGTERM');
  const t = setTimeout(() => group('SIGKILL'), 3_000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  clearTimeout(t);
  group('SIGKILL');
}

/** Whether a process with this pid exists (the runner that labelled a container, say). */
export function isAlive(pid) {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // it exists, as another user's
  }
}
