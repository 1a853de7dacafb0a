// Runs diagnoseConfigFile in a worker thread for the compose case, so that a call slower than the case's time
// budget can be stopped (worker.terminate()) instead of holding the whole bench. Posts each call's milliseconds.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { bundle, file, text, reps, budgetMs } = workerData;
const ours = createRequire(import.meta.url)(bundle);
const t0 = performance.now();
for (let i = 0; i <= reps; i++) {
  const t = performance.now();
  const findings = await ours.diagnoseConfigFile({ file, text });
  parentPort.postMessage({ ms: performance.now() - t, cold: i === 0, findings: findings.length, fixes: findings.reduce((n, f) => n + (f.fixes?.length ?? 0), 0), error: findings.find((f) => f.code === 'config-error')?.message });
  if (performance.now() - t0 > budgetMs) break;
}
parentPort.postMessage({ done: true });
