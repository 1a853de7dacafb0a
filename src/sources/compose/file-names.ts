/**
 * The file names `docker compose` looks for with no `-f`, in its order (compose-spec's loader). Their own
 * module: the editor's file discovery needs them without loading the compose reader (and its YAML library).
 */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
export const DEFAULT_OVERRIDE_FILES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];
