// Runs diagnoseConfigFile in a worker thread for the compose case, so that a call slower than the case's time
// budget can be stopped (worker.terminate()) instead of holding the whole bench. Posts each call's milliseconds,
// and those of planning the quick fixes of one finding, as the editor does when they are asked for (wall time,
// and the process's CPU time: the machine may be busy). Each call gets a text changed by one comment line, as
// after a keystroke, so that nothing parsed for the previous call is reused.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { bundle, file, text, reps, budgetMs } = workerData;
const ours = createRequire(import.meta.url)(bundle);
const t0 = performance.now();
for (let i = 0; i <= reps; i++) {
  const edited = i === 0 ? text : `${text}# edit ${i}\n`;
  const t = performance.now();
  const findings = await ours.diagnoseConfigFile({ file, text: edited });
  const ms = performance.now() - t;
  // The editor plans a finding's quick fixes when the cursor is on its line (the light bulb): one, mid-file.
  const asked = findings.filter((f) => f.severity === 'warning')[Math.floor(findings.length / 2)];
  const p = performance.now();
  const cpu = process.cpuUsage();
  const planned = asked ? await asked.planFixes() : undefined;
  const planMs = asked ? performance.now() - p : undefined;
  const used = process.cpuUsage(cpu);
  const planCpuMs = asked ? (used.user + used.system) / 1000 : undefined;
  parentPort.postMessage({
    ms,
    planMs,
    planCpuMs,
    cold: i === 0,
    findings: findings.length,
    fixes: planned?.fixes.length,
    error: findings.find((f) => f.code === 'config-error')?.message,
  });
  if (performance.now() - t0 > budgetMs) break;
}
parentPort.postMessage({ done: true });
