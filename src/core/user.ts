/** The user part of a `user[:group]` (as compose's `user:`, an image's USER and `docker run --user` write it), trimmed. */
export function userNamePart(user: string): string {
  const colon = user.indexOf(':');
  return (colon === -1 ? user : user.slice(0, colon)).trim();
}

const HOME_OF_PATH = /^(\/home\/[^/]+|\/root)(\/|$)/;

/** The home a path is in or is: `/home/<name>` or `/root`; undefined elsewhere. */
export function homeOfPath(path: string): string | undefined {
  return HOME_OF_PATH.exec(path)?.[1];
}
