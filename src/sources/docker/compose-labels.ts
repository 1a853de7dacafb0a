import { isAbsolute, resolve } from 'node:path';

/** The labels Compose (v1 and v2) puts on the containers it makes. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
export const COMPOSE_WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';
export const COMPOSE_CONFIG_FILES_LABEL = 'com.docker.compose.project.config_files';
export const COMPOSE_VERSION_LABEL = 'com.docker.compose.version';

/**
 * The compose files of a container, as absolute paths. Compose v2 writes them absolute; Compose v1 (1.29) writes
 * them as given on its command line, so `docker-compose up` in the project folder leaves `compose.yaml`: such an
 * entry is resolved against the working dir label (which v1 writes absolute). A relative entry with no working
 * dir is kept as it is: there is nothing to resolve it against.
 */
export function composeConfigFiles(labels: Record<string, string> | undefined): string[] {
  const raw = labels?.[COMPOSE_CONFIG_FILES_LABEL] ?? '';
  const workingDir = labels?.[COMPOSE_WORKING_DIR_LABEL]?.trim();
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => (isAbsolute(f) || !workingDir ? f : resolve(workingDir, f)));
}
