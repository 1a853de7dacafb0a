// A small scenario runner with its own reporter. A scenario is one isolated world (a Session: its own container,
// volume, workspace, HOME/XDG/TMPDIR and browser profile) and an ordered list of steps, each a user-visible
// claim that passes or fails on its own. A step that fails saves a screenshot of the page as it was and the
// container's log; the steps after it in the same scenario are not run (they build on it) and count as skipped.
// The session is removed afterwards whatever happened.
//
// Counts are written in scripts/count-reporter.mjs's format ({passed, failed, skipped, failures}) so that
// scripts/test.mjs adds them to its closing `N passed, N failed`.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Locator } from 'playwright-core';
import { Session, type RunContext, type SessionOptions } from './session';

export interface StepContext {
  s: Session;
  log: (msg: string) => void;
  /** A screenshot for the README (docs/screenshots/NAME.png), taken only with --docs-screenshots. */
  docShot: (name: string, clip?: Locator) => Promise<void>;
  /** This run takes the README's screenshots (a step may then make what it shows last long enough to see). */
  docs: boolean;
}

export interface Step {
  title: string;
  /** Seconds before the step fails as timed out (default 60). */
  timeoutSec?: number;
  run: (ctx: StepContext) => Promise<void>;
}

export interface Scenario {
  name: string;
  title: string;
  session: SessionOptions;
  steps: Step[];
}

/** A scenario is made fresh for each run, so the state its steps share starts empty. */
export type ScenarioFactory = () => Scenario;

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** [scenario, ms] of each scenario run, for the summary's slowest tests. */
  slowest: [string, number][];
}

export interface RunnerOptions {
  artifactsDir: string;
  docsDir?: string;
}

const color = (code: number, s: string) => (process.stdout.isTTY || process.env.FORCE_COLOR ? `\x1b[${code}m${s}\x1b[0m` : s);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

function withTimeout<T>(p: Promise<T>, sec: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  const timeout = new Promise<never>(
    (_, reject) => (t = setTimeout(() => reject(new Error(`${what}: timed out after ${sec} s`)), sec * 1000)),
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export class Runner {
  readonly counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [], slowest: [] };
  /** The session being run, for the interrupt handler. */
  current?: Session;

  constructor(
    private readonly run: RunContext,
    private readonly opts: RunnerOptions,
  ) {}

  private fail(name: string, err: unknown): void {
    this.counts.failed++;
    this.counts.failures.push(name);
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.log(
      msg
        .split('\n')
        .slice(0, 14)
        .map((l) => `      ${l}`)
        .join('\n'),
    );
  }

  async scenario(def: Scenario): Promise<void> {
    const started = Date.now();
    console.log(`\n${color(1, `▶ ${def.name}`)}: ${def.title}`);
    const s = new Session(this.run, def.name, def.session);
    this.current = s;
    let broken: string | undefined;
    try {
      try {
        await withTimeout(s.open(), 90, 'opening the workbench');
        this.run.log(`${def.name}: workbench shown in ${secs(Date.now() - started)}`);
      } catch (err) {
        broken = 'the scenario could not start';
        console.log(`  ${color(31, '✖')} ${def.name}: setup (container, code-server, Chromium, workbench)`);
        this.fail(`${def.name}: setup`, err);
        await this.artifacts(s, def.name, 'setup');
      }
      for (const [i, step] of def.steps.entries()) {
        const title = `${i + 1}. ${step.title}`;
        if (broken) {
          this.counts.skipped++;
          console.log(`  ${color(33, '-')} ${title} ${color(2, `(not run: ${broken})`)}`);
          continue;
        }
        const t0 = Date.now();
        try {
          await withTimeout(step.run(this.context(s)), step.timeoutSec ?? 60, title);
          this.counts.passed++;
          console.log(`  ${color(32, '✔')} ${title} ${color(2, `(${secs(Date.now() - t0)})`)}`);
        } catch (err) {
          broken = `step ${i + 1} failed`;
          console.log(`  ${color(31, '✖')} ${title} ${color(2, `(${secs(Date.now() - t0)})`)}`);
          this.fail(`${def.name}: ${title}`, err);
          await this.artifacts(s, def.name, `step${i + 1}-${slug(step.title)}`);
        }
      }
    } finally {
      const problems = await s.close();
      this.current = undefined;
      if (problems.length) {
        this.counts.failed++;
        this.counts.failures.push(`${def.name}: cleanup left ${problems.join(', ')}`);
        console.log(`  ${color(31, '✖')} cleanup: could not remove ${problems.join(', ')}`);
      }
      this.counts.slowest.push([`e2e scenario ${def.name}`, Date.now() - started]);
      console.log(color(2, `  ${def.name} took ${secs(Date.now() - started)}`));
    }
  }

  private context(s: Session): StepContext {
    return {
      s,
      log: (m) => this.run.log(m),
      docs: !!this.opts.docsDir,
      docShot: async (name, clip) => {
        if (!this.opts.docsDir) return;
        mkdirSync(this.opts.docsDir, { recursive: true });
        const path = join(this.opts.docsDir, `${name}.png`);
        if (clip) await clip.screenshot({ path });
        else await s.page.screenshot({ path });
        this.run.log(`screenshot for the docs: ${relative(this.run.root, path)}`);
      },
    };
  }

  private async artifacts(s: Session, scenario: string, stem: string): Promise<void> {
    const saved = await s.saveArtifacts(this.opts.artifactsDir, `${scenario}--${stem}`).catch(() => []);
    for (const f of saved) console.log(`      saved ${relative(this.run.root, f)}`);
  }

  /** Called on an interrupt or the hard timeout: the running scenario fails and its session is removed. */
  async abort(reason: string): Promise<void> {
    this.counts.failed++;
    this.counts.failures.push(reason);
    const s = this.current;
    this.current = undefined;
    if (s) {
      await s.saveArtifacts(this.opts.artifactsDir, 'aborted').catch(() => []);
      await s.close();
    }
  }
}
