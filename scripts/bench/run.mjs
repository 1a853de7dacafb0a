#!/usr/bin/env node
// `npm run bench`: every benchmark case in one process tree, each of our figures beside its peer (what users
// use today) and its floor (the physical limit) measured in the same run, so that machine noise cancels in
// the ratios. Prints a table and writes bench/results.json (the source of the README's Performance section).
//
//   npm run bench [-- --quick] [--only scan,where,compose,volumes,backup,move,activation] [--out FILE]
//
// --quick: smaller sizes and fewer repeats, for development; it writes .cache/bench/results-quick.json unless
// --out says otherwise. Every figure is a median over repeated runs, with min and max; nothing here passes or
// fails: a missed target is printed with how far off it is. Needs a Docker Engine with persistence-test:latest
// (scripts/docker-up.sh), docker-compose, and for activation code-server and Chromium (the editor tier's).
// Everything created on the engine is labelled persistence-lens.bench=1 and removed at the end, also on failure
// and on Ctrl-C; what a killed run left is removed by the next one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseOptions, usageError } from '../lib/args.mjs';
import { run } from '../lib/proc.mjs';
import { benchActivation } from './case-activation.mjs';
import { benchBackup } from './case-backup.mjs';
import { benchCompose } from './case-compose.mjs';
import { benchMove } from './case-move.mjs';
import { benchScan } from './case-scan.mjs';
import { benchWhere } from './case-where.mjs';
import { benchVolumes } from './case-volumes.mjs';
import { buildCli, buildOurs } from './bundle.mjs';
import {
  docker,
  fmt,
  loadAverage,
  log,
  onCleanup,
  otherBusyProcesses,
  removeRunObjects,
  removeStaleObjects,
  root,
  runCleanups,
  runId,
} from './lib.mjs';
import { tableOf, targetsOf } from './report.mjs';

const ALL = ['where', 'compose', 'scan', 'volumes', 'backup', 'move', 'activation'];
const USAGE = `usage: npm run bench [-- --quick] [--only CASE,...] [--out FILE]

  --quick        smaller sizes and fewer repeats; writes .cache/bench/results-quick.json unless --out says otherwise
  --only CASES   measure only these cases (${ALL.join(', ')}); the others' figures in the results file are kept
  --out FILE     where the results go (default bench/results.json)`;
const values = parseOptions({ quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } }, USAGE);
const quick = values.quick;
const only = values.only ? values.only.split(',').map((s) => s.trim()) : ALL;
for (const c of only) if (!ALL.includes(c)) usageError(`--only: unknown case "${c}" (cases: ${ALL.join(', ')})`, USAGE);
const outFile = values.out ?? (quick ? join(root, '.cache/bench/results-quick.json') : join(root, 'bench/results.json'));

/** A command's trimmed stdout, or undefined when it fails. */
const sh = async (cmd, args) => {
  const r = await run(cmd, args);
  return r.code === 0 ? r.stdout.trim() : undefined;
};

async function machine() {
  const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model;
  let codeServer;
  try {
    codeServer = JSON.parse(readFileSync(join(root, '.cache/code-server/node_modules/code-server/package.json'), 'utf8')).version;
  } catch {}
  return {
    nproc: availableParallelism(),
    cpu: cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    docker: await docker('version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})').catch(() => 'unreachable'),
    dockerCompose: await sh('docker-compose', ['version', '--short']),
    node: process.version,
    ...(codeServer ? { codeServer } : {}),
  };
}

/**
 * `--only` measures some cases: the others' figures in the results file are kept (marked with the run they come
 * from) instead of being dropped, so that bench/results.json stays the source of the whole Performance section.
 */
function keepEarlierCases(results) {
  if (!values.only) return;
  let earlier;
  try {
    earlier = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch {
    return;
  }
  for (const [name, k] of Object.entries(earlier.cases ?? {})) {
    if (name in results.cases) continue;
    results.cases[name] = k;
    results.casesFromEarlierRuns ??= {};
    results.casesFromEarlierRuns[name] = earlier.casesFromEarlierRuns?.[name] ?? {
      started: earlier.started,
      commit: earlier.commit,
      mode: earlier.mode,
    };
  }
}

let cleaningUp = false;
async function finish(code) {
  if (cleaningUp) return;
  cleaningUp = true;
  await runCleanups();
  process.exit(code);
}
process.on('SIGINT', () => finish(130));
process.on('SIGTERM', () => finish(143));

const started = new Date();
const t0 = performance.now();
const results = {
  started: started.toISOString(),
  mode: quick ? 'quick' : 'full',
  commit: await sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  // the bench measures the working tree: files of src/ changed since that commit (others' work in progress)
  uncommittedSourceFiles: ((await sh('git', ['-C', root, 'status', '--porcelain', '--', 'src'])) ?? '').split('\n').filter(Boolean).length,
  machine: await machine(),
  load: { atStart: loadAverage(), otherEditorsOrBrowsersAtStart: await otherBusyProcesses() },
  cases: {},
};
results.load.quietAtStart = results.load.atStart[0] < 1 && results.load.otherEditorsOrBrowsersAtStart.length === 0;
log(
  `${quick ? 'quick' : 'full'} run ${runId}; load average ${results.load.atStart.join(' ')}${results.load.otherEditorsOrBrowsersAtStart.length ? `; ${results.load.otherEditorsOrBrowsersAtStart.length} code-server/chromium processes of others are running: figures will be noisy` : ''}`,
);

const work = mkdtempSync(join(tmpdir(), 'pl-bench-'));
onCleanup(() => rmSync(work, { recursive: true, force: true }));
onCleanup(() => removeRunObjects());
let failed = false;
try {
  await removeStaleObjects();
  const ours = await buildOurs();
  const ctx = { ours, work, quick, log };
  for (const name of only) {
    const tc = performance.now();
    log(`--- ${name}`);
    try {
      if (name === 'where') results.cases.where = await benchWhere(ctx);
      if (name === 'compose') results.cases.compose = await benchCompose(ctx);
      if (name === 'scan') results.cases.scan = await benchScan(ctx);
      if (name === 'volumes') results.cases.volumes = await benchVolumes(ctx);
      if (name === 'backup') results.cases.backup = await benchBackup({ ...ctx, cli: await buildCli() });
      if (name === 'move') results.cases.move = await benchMove({ ...ctx, cli: await buildCli() });
      if (name === 'activation') results.cases.activation = await benchActivation(ctx);
      results.cases[name].durationSeconds = Math.round((performance.now() - tc) / 100) / 10;
    } catch (err) {
      failed = true;
      console.error(`[bench] ${name} failed: ${err.stack ?? err.message}`);
      results.cases[name] = { error: err.message };
    }
    // each case removes what it made before the next one runs
    await removeRunObjects().catch((err) => console.error(`[bench] ${err.message}`));
  }
} finally {
  results.load.atEnd = loadAverage();
  results.durationSeconds = Math.round((performance.now() - t0) / 1000);
  keepEarlierCases(results);
  results.targets = targetsOf(results);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  const { table, growth, machineLine } = tableOf(results);
  console.log(`\n${machineLine}\n\n${table}\n\n${growth}\n`);
  const missed = results.targets.filter((t) => t.met === false);
  if (missed.length) {
    console.log('Missed targets:');
    for (const t of missed) console.log(`  - ${t.case}: ${t.target}: ${t.by}`);
  } else if (results.targets.length) console.log('Every target measured here is met.');
  console.log(`\n${fmt(results.durationSeconds)} s in all; results in ${relative(process.cwd(), outFile) || outFile}`);
}
await finish(failed ? 1 : 0);
