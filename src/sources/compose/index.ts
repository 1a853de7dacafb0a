/**
 * Compose files read before anything runs: the project (project.ts), what is known of its images
 * (image-info.ts), and the file names `docker compose` looks for.
 */
export * from './project';
export * from './image-info';
export type { TextOverlay } from './load';
export { DEFAULT_COMPOSE_FILES, DEFAULT_OVERRIDE_FILES } from './file-names';
