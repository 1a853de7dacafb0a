import { userNamePart } from '../../core/user';

/**
 * What a compose service (or a dev container) knows of its image when the caller can look it up: the image's
 * user, home, environment and VOLUMEs, and the home and user a target reports from them.
 */
export interface ImageInfo {
  user?: string;
  home?: string;
  env?: Record<string, string>;
  volumes?: string[];
  workingDir?: string;
}

export type ImageInfoLookup = (image: string) => Promise<ImageInfo | undefined>;

function isUserName(user: string): boolean {
  return /^[a-z_][a-z0-9_.-]*\$?$/i.test(user);
}

/**
 * The home to report: HOME from the environment; else root's for a root service user, or the image's
 * home when the image runs as that same user; else (no service user) the image's home or the one its
 * user implies. Undefined leaves the guess to the core (XDG variables, mount targets, the user name).
 */
export function chooseHome(env: Record<string, string>, user: string | undefined, info: ImageInfo | undefined): string | undefined {
  if (env.HOME?.startsWith('/')) return env.HOME;
  const infoUser = imageUser(info);
  if (user) {
    if (user === 'root' || user === '0') return '/root';
    if (info?.home && (infoUser === undefined || infoUser === user)) return info.home;
    return undefined; // the core's inferHome guesses from the user name and the mounts
  }
  if (info) {
    if (info.home) return info.home;
    if (infoUser === 'root' || infoUser === '0') return '/root';
    if (infoUser && isUserName(infoUser)) return `/home/${infoUser}`;
  }
  return undefined;
}

/** The user an image runs as, without its group (root when its USER is empty); undefined when unknown. */
export function imageUser(info: ImageInfo | undefined): string | undefined {
  return info && info.user !== undefined ? userNamePart(info.user) || 'root' : undefined;
}

/** Image info looked up once per image; a failing lookup is a warning, not an error. */
export function imageInfoCache(
  lookup: ImageInfoLookup | undefined,
  warn: (m: string) => void,
): (image: string | undefined) => Promise<ImageInfo | undefined> {
  const cache = new Map<string, Promise<ImageInfo | undefined>>();
  return (image) => {
    if (!lookup || !image) return Promise.resolve(undefined);
    let p = cache.get(image);
    if (!p) {
      p = Promise.resolve()
        .then(() => lookup(image))
        .catch((e: unknown) => {
          warn(`could not read image ${image}: ${e instanceof Error ? e.message : String(e)}`);
          return undefined;
        });
      cache.set(image, p);
    }
    return p;
  };
}
