// What the editor tier (scripts/editor/run-suite.mjs), the end-to-end tier (test/e2e) and `npm start` (through
// ./code-server.mjs) share about running code-server and Debian's Chromium on this machine (see
// ../shared/notes/offline-testing.md):
//   - a fresh HOME, XDG dirs and TMPDIR per run, so nothing is written into the real home or /tmp;
//   - no VSCODE_*/CODE_SERVER_* variables leaking in when this runs inside another editor;
//   - Chromium's flags for a headless machine with no internet, through playwright-core (never a downloaded browser).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Makes `names` as folders of runDir; returns { name: path }. */
export function makeDirs(runDir, names) {
  return Object.fromEntries(
    names.map((n) => {
      const p = join(runDir, n);
      mkdirSync(p, { recursive: true });
      return [n, p];
    }),
  );
}

/** HOME, XDG_*_HOME and TMPDIR pointing at dirs made by makeDirs(runDir, ['home', 'config', 'data', 'cache', 'tmp', ...]). */
export function isolatedEnv(dirs) {
  return {
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
  };
}

/** A copy of env without the variables of an editor this may run inside. */
export function withoutEditorVariables(env) {
  const out = { ...env };
  for (const k of Object.keys(out))
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k.startsWith('CODE_SERVER_')) delete out[k];
  return out;
}

/**
 * Launches Chromium with the flags above. With userDataDir, a persistent context whose profile lives there
 * (returns { browser: undefined, context }); without, a browser whose temporary profile goes in env.TMPDIR.
 */
export async function launchChromium({ executablePath = CHROMIUM_PATH, env, userDataDir, viewport = { width: 1280, height: 800 } }) {
  const { chromium } = await import('playwright-core');
  const options = { executablePath, headless: true, env, args: CHROMIUM_ARGS };
  if (userDataDir) {
    const context = await chromium.launchPersistentContext(userDataDir, { ...options, viewport });
    return { browser: undefined, context };
  }
  const browser = await chromium.launch(options);
  return { browser, context: await browser.newContext({ viewport }) };
}
