// Shared by the editor suite's files. Each file is bundled on its own, so shared state lives on globalThis.

const KEY = Symbol.for('persistence-lens.editor-suite.metrics');

type Metrics = Record<string, number | string>;

function store(): Metrics {
  const g = globalThis as unknown as Record<symbol, Metrics | undefined>;
  return (g[KEY] ??= {});
}

/** A measurement the runner prints after the per-test lines (activation time, scan time, ...). */
export function recordMetric(name: string, value: number | string): void {
  store()[name] = typeof value === 'number' ? Math.round(value * 10) / 10 : value;
}

export function metrics(): Metrics {
  return { ...store() };
}

/** A value the runner (scripts/editor/run-suite.mjs) puts in code-server's environment. */
export function runnerEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite with scripts/editor/run-suite.mjs`);
  return value;
}

export const EXTENSION_ID = 'persistence-lens.persistence-lens';

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
