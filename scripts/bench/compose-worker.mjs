// Runs diagnoseConfigFile in a worker thread for the compose case, so that a call slower than the case's time
// budget can be stopped (worker.terminate()) instead of holding the whole bench. Posts each call's milliseconds,
// and those of planning the quick fixes of one finding, as the editor does when they are asked for.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { bundle, file, text, reps, budgetMs } = workerData;
const ours = createRequire(import.meta.url)(bundle);
const t0 = performance.now();
for (let i = 0; i <= reps; i++) {
  const t = performance.now();
  const findings = await ours.diagnoseConfigFile({ file, text });
  const ms = performance.now() - t;
  // The editor plans a finding's quick fixes when the cursor is on its line (the light bulb): one, mid-file.
  const asked = findings.filter((f) => f.severity === 'warning')[Math.floor(findings.length / 2)];
  const p = performance.now();
  const planned = asked ? await asked.planFixes() : undefined;
  const planMs = asked ? performance.now() - p : undefined;
  parentPort.postMessage({ ms, planMs, cold: i === 0, findings: findings.length, fixes: planned?.fixes.length, error: findings.find((f) => f.code === 'config-error')?.message });
  if (performance.now() - t0 > budgetMs) break;
}
parentPort.postMessage({ done: true });
