/**
 * Recreating a dev container outside the editor: the Dev Containers CLI's `up` with
 * `--remove-existing-container` removes the container (not its named volumes) and makes it again from the
 * devcontainer.json, with the mounts it now declares. Checked with @devcontainers/cli 0.89.0 on a local image
 * and no registry: a marker written into a `x-${devcontainerId}` volume is there after the recreate
 * (test/integration/move-recreate.test.ts).
 */

/**
 * The argv to print or run: `devcontainer up --workspace-folder W [--config F] --remove-existing-container`.
 * Give F as the container's `devcontainer.config_file` label when it is not the default file: the CLI finds the
 * container, and computes `${devcontainerId}`, from that path (with it given, the id stays the same: tested).
 */
export function devcontainerUpCommand(workspaceFolder: string, configFile?: string): string[] {
  return [
    'devcontainer',
    'up',
    '--workspace-folder',
    workspaceFolder,
    ...(configFile ? ['--config', configFile] : []),
    '--remove-existing-container',
  ];
}
