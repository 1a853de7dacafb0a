import type { Category, Criticality } from './types';

/**
 * Data directories of well-known images. They count even when the image is not present locally (files
 * mode, a host that never pulled it), because the mistake they catch is made before anything runs.
 */
export interface ImageDataPath {
  path: string;
  label: string;
  criticality: Criticality;
  category: Category;
  /** Declared VOLUME by the image: with no mount over it, the engine makes an anonymous volume. */
  imageVolume: boolean;
  /** An environment variable that moves it (PGDATA). */
  env?: string;
}

export interface ImageRef {
  /** Last path component of the repository, lower case: "postgres" for docker.io/library/postgres:17. */
  name: string;
  tag?: string;
  /** Leading major version number of the tag, when it has one ("17-alpine" → 17). */
  major?: number;
}

export function parseImageRef(ref: string): ImageRef {
  const withoutDigest = ref.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repo = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = hasTag ? withoutDigest.slice(colon + 1) : undefined;
  const name = repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
  const m = tag ? /^(\d+)/.exec(tag) : null;
  return { name, ...(tag ? { tag } : {}), ...(m ? { major: Number(m[1]) } : {}) };
}

const db = (path: string, label: string, imageVolume = true, env?: string): ImageDataPath => ({
  path,
  label,
  criticality: 'critical',
  category: 'database',
  imageVolume,
  ...(env ? { env } : {}),
});

/**
 * The postgres image moved its VOLUME from /var/lib/postgresql/data to /var/lib/postgresql in 18 (PGDATA
 * became /var/lib/postgresql/18/docker). An untagged or non-numeric tag means the newest image.
 */
function postgresPaths(major: number | undefined): ImageDataPath[] {
  if (major !== undefined && major < 18) return [db('/var/lib/postgresql/data', 'PostgreSQL data', true, 'PGDATA')];
  return [db('/var/lib/postgresql', 'PostgreSQL data', true, 'PGDATA')];
}

/** Data paths by image reference; a scan's containers share few images. Bounded: cleared when full. */
const dataPathsByImage = new Map<string, readonly ImageDataPath[]>();
const DATA_PATHS_BY_IMAGE_MAX = 256;
const NONE: readonly ImageDataPath[] = [];

/** The data directories of an image, shared (read-only) by every caller that asks for the same reference. */
export function wellKnownImageDataPaths(imageRef: string | undefined): readonly ImageDataPath[] {
  if (!imageRef) return NONE;
  let paths = dataPathsByImage.get(imageRef);
  if (!paths) {
    if (dataPathsByImage.size >= DATA_PATHS_BY_IMAGE_MAX) dataPathsByImage.clear();
    paths = dataPathsOf(parseImageRef(imageRef));
    dataPathsByImage.set(imageRef, paths);
  }
  return paths;
}

function dataPathsOf(ref: ImageRef): ImageDataPath[] {
  switch (ref.name) {
    case 'postgres':
      return postgresPaths(ref.major);
    case 'mysql':
      return [db('/var/lib/mysql', 'MySQL data')];
    case 'mariadb':
      return [db('/var/lib/mysql', 'MariaDB data')];
    case 'mongo':
      return [db('/data/db', 'MongoDB data'), { ...db('/data/configdb', 'MongoDB config data'), criticality: 'high' }];
    case 'redis':
      return [db('/data', 'Redis data')];
    default:
      return [];
  }
}
