import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH: string;
export const CHROMIUM_ARGS: string[];
export function makeDirs<N extends string>(runDir: string, names: readonly N[]): Record<N, string>;
export function isolatedEnv(dirs: { home: string; config: string; data: string; cache: string; tmp: string }): Record<string, string>;
export function withoutEditorVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function launchChromium(options: {
  executablePath?: string;
  env: Record<string, string | undefined>;
  userDataDir?: string;
  viewport?: { width: number; height: number };
}): Promise<{ browser: Browser | undefined; context: BrowserContext }>;
