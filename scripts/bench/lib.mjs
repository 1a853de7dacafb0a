// Shared by the benchmark cases (scripts/bench/run.mjs): statistics, timing, child processes, the Docker
// things a case creates (all labelled, all removed at the end, also on failure or Ctrl-C), formatting.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isAlive, runOk } from '../lib/proc.mjs';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** Everything the bench creates on the engine carries these labels; the run label lets one run clean up its own. */
export const BENCH_LABEL = 'persistence-lens.bench';
export const RUN_LABEL = 'persistence-lens.bench.run';
export const PID_LABEL = 'persistence-lens.bench.pid';
export const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
export const labels = { [BENCH_LABEL]: '1', [RUN_LABEL]: runId, [PID_LABEL]: String(process.pid) };
export const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

// ---- statistics ---------------------------------------------------------------------------------------

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  // nearest rank: the smallest value with at least q of the samples at or below it
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** {median, min, max, n, unit, samples} of repeated measurements. */
export function summary(samples, unit) {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
    unit,
    samples: samples.map((x) => round(x)),
  };
}

export function round(x, digits = 4) {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** Math.max(0, digits - Math.max(0, Math.floor(Math.log10(Math.abs(x) || 1)) + 1));
  return Math.round(x * p) / p;
}

// ---- timing -------------------------------------------------------------------------------------------

export async function timeMs(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/**
 * Runs each named function `reps` times, interleaved (a, b, c, a, b, c, ...) and rotating which goes first, so
 * that a machine getting busier or quieter hurts every series alike. Returns the milliseconds of each series.
 */
export async function interleaved(series, reps, { onRun } = {}) {
  const names = Object.keys(series);
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const { ms, value } = await timeMs(series[name]);
      out[name].push(ms);
      onRun?.(name, r, ms, value);
    }
  }
  return out;
}

// ---- child processes ----------------------------------------------------------------------------------

/** Runs a command; resolves with its stdout (a non-zero exit rejects, with its stderr in the message). */
const output = async (cmd, args, opts) => (await runOk(cmd, args, opts)).stdout;

/** Runs a command with its stdout ignored; resolves when it exits 0 (else rejects, with its stderr in the message). */
export const spawnQuiet = async (cmd, args, opts = {}) => void (await runOk(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts }));

export const docker = async (...args) => (await output('docker', args)).trim();

// ---- cleanup ------------------------------------------------------------------------------------------

const cleanups = [];

/** Registers an undo step; they run last-in first-out by runCleanups(), whatever happened. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

export async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      console.error(`[bench] cleanup step failed: ${err.message}`);
    }
  }
}

/** Removes every container, volume and image of this run (by its run label). */
export async function removeRunObjects(filterLabel = `${RUN_LABEL}=${runId}`) {
  const containers = (await docker('ps', '-aq', '--filter', `label=${filterLabel}`)).split('\n').filter(Boolean);
  if (containers.length) await docker('rm', '-f', '-v', ...containers);
  const volumes = (await docker('volume', 'ls', '-q', '--filter', `label=${filterLabel}`)).split('\n').filter(Boolean);
  if (volumes.length) await docker('volume', 'rm', '-f', ...volumes);
  const images = (await docker('images', '-q', '--filter', `label=${filterLabel}`)).split('\n').filter(Boolean);
  if (images.length) await docker('rmi', '-f', ...new Set(images));
}

/** Things left by bench runs that were killed before their cleanup: their process is gone. */
export async function removeStaleObjects() {
  const pids = new Set();
  for (const kind of [['ps', '-a'], ['volume', 'ls'], ['images']]) {
    const out = await docker(...kind, '--filter', `label=${BENCH_LABEL}=1`, '--format', `{{.Label "${PID_LABEL}"}}`).catch(() => '');
    for (const p of out.split('\n').filter(Boolean)) pids.add(p);
  }
  for (const pid of pids) {
    if (!isAlive(pid)) {
      console.log(`[bench] removing what a killed bench run (pid ${pid}) left`);
      await removeRunObjects(`${PID_LABEL}=${pid}`).catch((err) => console.error(`[bench] ${err.message}`));
    }
  }
}

// ---- the machine --------------------------------------------------------------------------------------

export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

/** Other people's editors and browsers running now (they make every figure noisier). */
export async function otherBusyProcesses() {
  const out = await output('pgrep', ['-fa', 'code-server|chromium']).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .filter((l) => !l.includes('pgrep'))
    .map((l) =>
      l
        .replace(/^\d+\s+/, '')
        .split(' ')
        .slice(0, 2)
        .join(' ')
        .slice(0, 120),
    );
}

// ---- formatting ---------------------------------------------------------------------------------------

export function fmt(x, unit) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  const abs = Math.abs(x);
  const s = abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : abs >= 1 ? x.toFixed(2) : x.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

/** "12.3 ms (11.9–13.0)" */
export function fmtSummary(s) {
  if (!s) return '—';
  if (s.n <= 1 || s.min === s.max) return fmt(s.median, s.unit);
  return `${fmt(s.median, s.unit)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function log(msg) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}
