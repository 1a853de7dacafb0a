// The end-to-end tier: code-server running inside a real container, driven in Debian's Chromium as a user would.
//
//   node --import tsx test/e2e/run.ts [--counts FILE] [--only NAME]... [--timeout SECONDS] [--keep]
//                                     [--vsix FILE | --dev] [--docs-screenshots]
//
//   --counts FILE        write {passed, failed, skipped, failures} (scripts/count-reporter.mjs's format)
//   --only NAME          run only the named scenario(s) (see test/e2e/scenarios/index.ts)
//   --timeout SECONDS    hard limit for the whole run (default 1200: a backstop for a hang; the ten scenarios take about 4 min on a quiet machine); the running scenario is then cleaned up
//   --keep               keep each scenario's run folder (its containers and volumes are removed anyway)
//   --vsix FILE | --dev  test this .vsix, or the built extension as a development path, instead of
//                        `npm run package`'s .vsix (test/e2e/harness/extension.ts says why the .vsix)
//   --docs-screenshots   also save the README's screenshots into docs/screenshots/
//
// Needs: a Docker Engine (scripts/docker-up.sh), code-server in .cache/code-server and /usr/bin/chromium
// (scripts/editor/install-code-server.sh), the built extension (scripts/build.mjs). scripts/test.mjs's `e2e`
// tier makes sure of them. Exits 0 when every step passed, 1 when one failed, 3 when the run could not start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStale } from './harness/docker';
import { prepareExtension, type ExtensionSource } from './harness/extension';
import { Runner, type Counts } from './harness/runner';
import type { RunContext } from './harness/session';
import { scenarios } from './scenarios';

const root = realpathSync(join(__dirname, '../..'));
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const many = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
const countsFile = opt('--counts');
const only = many('--only');
const timeoutSec = Number(opt('--timeout') ?? 1200);
const t0 = Date.now();
const log = (msg: string) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function writeCounts(c: Counts): void {
  if (countsFile) writeFileSync(countsFile, JSON.stringify(c) + '\n');
}

function cannotRun(why: string): never {
  console.error(`\x1b[31m[e2e] cannot run: ${why}\x1b[0m`);
  writeCounts({ passed: 0, failed: 1, skipped: 0, failures: [`e2e could not run: ${why}`], slowest: [] });
  process.exit(3);
}

async function main(): Promise<void> {
  const codeServerDir = join(root, '.cache/code-server');
  const chromiumPath = '/usr/bin/chromium';
  if (!existsSync(join(codeServerDir, 'node_modules/code-server/out/node/entry.js')))
    cannotRun(`code-server is not installed in ${codeServerDir} (scripts/editor/install-code-server.sh)`);
  if (!existsSync(chromiumPath)) cannotRun(`no Chromium at ${chromiumPath} (apt-get install chromium)`);
  if (!existsSync(join(root, 'dist/extension.js'))) cannotRun('the extension is not built (node scripts/build.mjs)');
  const selected = scenarios.filter((f) => only.length === 0 || only.includes(f().name));
  if (selected.length === 0) cannotRun(`no scenario named ${only.join(', ')}`);

  const image = spawnSync('bash', [join(root, 'scripts/e2e/build-image.sh'), codeServerDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (image.status !== 0) cannotRun(`the container image could not be built (scripts/e2e/build-image.sh exited ${image.status})`);
  const stale = await removeStale();
  if (stale) log(`removed ${stale} container(s)/volume(s) left by an earlier run that was killed`);

  let extension: ExtensionSource;
  const packageDir = mkdtempSync(join(tmpdir(), 'pl-e2e-vsix-'));
  process.on('exit', () => rmSync(packageDir, { recursive: true, force: true }));
  try {
    extension = prepareExtension(root, { vsix: opt('--vsix'), dev: args.includes('--dev'), outDir: packageDir, log });
  } catch (err) {
    cannotRun((err as Error).message);
  }
  log(
    extension.kind === 'vsix'
      ? `testing the package ${extension.file}`
      : `testing the built extension as a development path (${extension.why})`,
  );

  const run: RunContext = {
    runId: `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
    root,
    image: image.stdout.trim(),
    codeServerDir,
    chromiumPath,
    extension,
    keep: args.includes('--keep'),
    log,
  };
  const runner = new Runner(run, {
    artifactsDir: join(root, 'test-results/e2e'),
    docsDir: args.includes('--docs-screenshots') ? join(root, 'docs/screenshots') : undefined,
  });

  let finishing = false;
  const abort = async (reason: string, code: number) => {
    if (finishing) return;
    finishing = true;
    console.error(`\x1b[31m[e2e] ${reason}\x1b[0m`);
    await runner.abort(`e2e: ${reason}`);
    writeCounts(runner.counts);
    process.exit(code);
  };
  process.on('SIGINT', () => void abort('interrupted (SIGINT)', 130));
  process.on('SIGTERM', () => void abort('terminated (SIGTERM)', 143));
  const hard = setTimeout(() => void abort(`hard timeout: the run took longer than ${timeoutSec} s`, 1), timeoutSec * 1000);

  for (const make of selected) {
    if (finishing) break;
    await runner.scenario(make());
  }
  clearTimeout(hard);
  if (finishing) return;
  const c = runner.counts;
  if (c.passed + c.failed === 0) {
    c.failed++;
    c.failures.push('e2e: no step ran');
  }
  console.log(
    `\n  e2e: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  writeCounts(c);
  process.exit(c.failed === 0 ? 0 : 1);
}

main().catch((err) => cannotRun(`the runner crashed: ${(err as Error).stack ?? err}`));
