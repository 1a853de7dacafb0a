/**
 * Which documents get persistence diagnostics. Pure (no `vscode` import), so it is unit-tested and costs
 * nothing at activation: it decides before the backend is loaded.
 */

/** The language ids the diagnostics and the code action provider are registered for. */
export const DIAGNOSED_LANGUAGES = ['dockercompose', 'yaml', 'jsonc', 'json'] as const;

/** compose.yaml, docker-compose.yml, compose.override.yml, docker-compose.prod.yaml... */
export const COMPOSE_FILE_NAME = /^(docker-)?compose([.-][^/\\]*)?\.ya?ml$/i;
export const DEVCONTAINER_FILE_NAME = /^\.?devcontainer\.json$/i;

/** Globs for the same names, for document selectors that match by path whatever the language id. */
export const COMPOSE_FILE_GLOB = '**/{compose,docker-compose}*.{yml,yaml}';
export const DEVCONTAINER_FILE_GLOB = '**/{devcontainer.json,.devcontainer.json}';

/** A top-level `services:` key: a YAML file that compose would read (an included or extended file). */
const TOP_LEVEL_SERVICES = /^services:[ \t]*(#.*)?\r?$/m;

/** Top-level `apiVersion:` and `kind:`: a Kubernetes manifest (a Deployment, a rendered Helm chart…). */
const TOP_LEVEL_API_VERSION = /^apiVersion:/m;
const TOP_LEVEL_KIND = /^kind:/m;

export type ConfigKind = 'compose' | 'devcontainer' | 'kubernetes';

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * A compose file or a devcontainer.json, by name whatever its language id; by language id otherwise. A
 * YAML file of another name counts when it has a top-level `services:` (compose) or `apiVersion:` and `kind:`
 * (a Kubernetes manifest), so a GitHub workflow is left alone. `text` is read only when the name does not decide.
 */
export function configKind(path: string, languageId: string, text: () => string): ConfigKind | undefined {
  const name = baseName(path);
  if (DEVCONTAINER_FILE_NAME.test(name)) return 'devcontainer';
  if (COMPOSE_FILE_NAME.test(name)) return 'compose';
  if (languageId === 'dockercompose') return 'compose';
  if (languageId === 'yaml' && /\.ya?ml$/i.test(name)) {
    const t = text();
    if (TOP_LEVEL_SERVICES.test(t)) return 'compose';
    if (TOP_LEVEL_API_VERSION.test(t) && TOP_LEVEL_KIND.test(t)) return 'kubernetes';
  }
  return undefined;
}
