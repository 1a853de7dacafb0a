// A node:test reporter that only counts: leaf tests passed, failed and skipped, written as one JSON line.
// The orchestrator (scripts/test.mjs) sums these over every tier for the closing `N passed, N failed` line,
// and names the slowest tests (`slowest`: [title, ms] pairs, the longest first) in its summary.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [], slowest: [] };
  const timed = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') {
      // A suite fails on its own only when its body threw outside any test (e.g. a failing before()).
      if (event.type === 'test:fail' && data.details?.error?.failureType !== 'subtestsFailed') {
        counts.failed++;
        counts.failures.push(`${data.file ?? ''} ${data.name}`);
      }
      continue;
    }
    if (!data.skip && !data.todo) timed.push([`${data.file ?? ''} ${data.name}`, Math.round(data.details?.duration_ms ?? 0)]);
    if (data.skip || data.todo) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push(`${data.file ?? ''} ${data.name}`);
    }
  }
  counts.slowest = slowestOf(timed);
  yield JSON.stringify(counts) + '\n';
}

/** The five longest [title, ms] pairs, the longest first. */
export function slowestOf(timed, n = 5) {
  return [...timed].sort((a, b) => b[1] - a[1]).slice(0, n);
}
