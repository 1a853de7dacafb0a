import { createHash } from 'node:crypto';

/**
 * `${devcontainerId}` as the Dev Containers CLI computes it, so that a volume named `x-${devcontainerId}` in a
 * devcontainer.json can be created (and filled) before the CLI recreates the container.
 */

/** The labels the Dev Containers CLI puts on a container and derives the id from. */
export const DEVCONTAINER_LOCAL_FOLDER_LABEL = 'devcontainer.local_folder';
export const DEVCONTAINER_CONFIG_FILE_LABEL = 'devcontainer.config_file';

/**
 * `${devcontainerId}` exactly as the Dev Containers CLI computes it from the id labels.
 *
 * Upstream: devcontainers/cli, src/spec-common/variableSubstitution.ts, `devcontainerIdForLabels` (in the
 * bundle of @devcontainers/cli 0.89.0, dist/spec-node/devContainersSpecCLI.js, minified as `Q_`):
 * `JSON.stringify(idLabels, Object.keys(idLabels).sort())`, UTF-8, SHA-256, the digest read as one big-endian
 * integer written in base 32 (digits 0-9a-v), left-padded with '0' to 52 characters.
 * Checked against the real CLI: `devcontainer up` on a `source=x-${devcontainerId}` mount made the volume
 * this function names (test/integration/move-recreate.test.ts).
 */
export function devcontainerId(idLabels: Record<string, string>): string {
  // The sorted keys as the replacer: the properties are written in that order (and only those).
  const json = JSON.stringify(idLabels, Object.keys(idLabels).sort());
  const digest = createHash('sha256').update(Buffer.from(json, 'utf-8')).digest('hex');
  return BigInt(`0x${digest}`).toString(32).padStart(52, '0');
}

/**
 * The id labels of a dev container (devcontainer.local_folder and devcontainer.config_file, or what the CLI used).
 *
 * Upstream: devcontainers/cli, src/spec-node/utils.ts, `findContainerAndIdLabels` (minified `dg` in 0.89.0):
 * without `--id-label` the id labels are `devcontainer.local_folder=<workspace folder>` and
 * `devcontainer.config_file=<config file>`, except for a container made by an old CLI that set only the local
 * folder label: then only that one (its id keeps being computed from it). The paths are the labels' values as
 * written (the CLI normalizes them only on Windows, lower-casing the drive letter: `normalizeDevContainerLabelPath`).
 * A container made with `--id-label` carries the ids it was given among its other labels and nothing says which:
 * undefined then, as for a container with no dev container labels.
 */
export function devcontainerIdLabels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  const localFolder = labels?.[DEVCONTAINER_LOCAL_FOLDER_LABEL];
  if (!localFolder) return undefined;
  const configFile = labels[DEVCONTAINER_CONFIG_FILE_LABEL];
  return configFile
    ? { [DEVCONTAINER_LOCAL_FOLDER_LABEL]: localFolder, [DEVCONTAINER_CONFIG_FILE_LABEL]: configFile }
    : { [DEVCONTAINER_LOCAL_FOLDER_LABEL]: localFolder };
}
