/** Set by the build (scripts/build.mjs `define`); `dev` when the sources run directly (tests, tsx). */
declare const PACKAGE_VERSION: string | undefined;

export function toolVersion(): string {
  return typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';
}
