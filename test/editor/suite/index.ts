// The editor tier's entry point: code-server's extension host loads this file (extensionTestsPath) and
// calls run(). Mocha runs every *.test.js bundled beside it; the results go to the JSON file named by
// PL_EDITOR_RESULTS (the extension host's console reaches the runner only through the page, mangled),
// rewritten after every test so a run that hangs still shows how far it got.
import Mocha from 'mocha';
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { metrics } from './harness';

interface TestResult {
  file: string;
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
}

export async function run(): Promise<void> {
  const resultsFile = process.env.PL_EDITOR_RESULTS;
  if (!resultsFile) throw new Error('PL_EDITOR_RESULTS is not set: run this suite with scripts/editor/run-suite.mjs');
  const started = new Date().toISOString();
  const tests: TestResult[] = [];
  const write = (done: boolean) => {
    const tmp = `${resultsFile}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ started, finished: done ? new Date().toISOString() : undefined, done, tests, metrics: metrics() }, null, 2),
    );
    renameSync(tmp, resultsFile);
  };
  write(false);

  // PL_EDITOR_GREP runs only the matching tests (a developer's loop); the test command never sets it.
  const grep = process.env.PL_EDITOR_GREP;
  const mocha = new Mocha({
    ui: 'tdd',
    timeout: 30_000,
    slow: 5_000,
    color: false,
    reporter: Mocha.reporters.Base,
    ...(grep ? { grep } : {}),
  });
  for (const f of readdirSync(__dirname)
    .filter((n) => n.endsWith('.test.js'))
    .sort())
    mocha.addFile(join(__dirname, f));

  const fileOf = (r: Mocha.Runnable) => (r.file ? `test/editor/suite/${basename(r.file).replace(/\.js$/, '.ts')}` : 'test/editor/suite');
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      const runner = mocha.run((n) => resolve(n));
      const add = (r: Mocha.Runnable, state: TestResult['state'], err?: unknown) => {
        const error = err === undefined ? undefined : err instanceof Error ? (err.stack ?? err.message) : String(err);
        tests.push({
          file: fileOf(r),
          title: r.title,
          fullTitle: r.titlePath().join(' › '),
          state,
          durationMs: r.duration ?? 0,
          ...(error ? { error } : {}),
        });
        write(false);
      };
      runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (t) => add(t, 'passed'));
      // Also hooks: a failing suiteSetup fails the suite's tests without running them.
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (t, err) => add(t, 'failed', err));
      runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (t) => add(t, 'skipped'));
    } catch (err) {
      reject(err);
    }
  });
  write(true);
  if (failures > 0) throw new Error(`${failures} editor test(s) failed`);
}
