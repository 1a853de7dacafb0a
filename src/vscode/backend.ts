import { join } from 'node:path';
import type * as Backend from '../backend';

let loaded: typeof Backend | undefined;

/**
 * The backend bundle (dist/backend.js: scan, fixes, backups, moves, dockerode and yaml), loaded the first time a
 * feature needs it. The path is computed at run time so the bundler leaves it out of dist/extension.js:
 * activation stays a few kilobytes.
 */
export function backend(): typeof Backend {
  loaded ??= require(join(__dirname, 'backend.js')) as typeof Backend;
  return loaded;
}
