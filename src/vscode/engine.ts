import { join } from 'node:path';
import type * as Engine from '../engine';

let loaded: typeof Engine | undefined;

/**
 * The engine bundle, loaded the first time a feature needs it. The path is computed at run time so the
 * bundler leaves it out of dist/extension.js: activation stays a few kilobytes.
 */
export function engine(): typeof Engine {
  loaded ??= require(join(__dirname, 'engine.js')) as typeof Engine;
  return loaded;
}
