import { CATALOG } from './catalog';
import { wellKnownImageDataPaths } from './images';
import { isWithin } from './paths';
import type { Mount, TargetInput, TargetRole } from './types';
import { homeOfPath, userNamePart } from './user';

/**
 * Whether a person works in a target (a workstation: its home holds keys, history, agent state) or it only
 * serves (a database, a cache, a web server: its data is in its data directories). A redis container has a
 * `/root`, but nobody's SSH keys live there; listing its home catalog in red would drown its real `/data`.
 */
export interface RoleDecision {
  role: TargetRole;
  /** Why, as a phrase that completes "a workstation: …" / "a service: …". */
  reason: string;
}

/** Images made for people to work in: code-server, Coder, dev container bases, Gitpod, agent sandboxes. */
const WORKSTATION_IMAGES: readonly RegExp[] = [
  /(^|\/)code-server(:|@|$)/,
  /(^|\/)openvscode-server(:|@|$)/,
  /^(docker\.io\/)?codercom\//,
  /^ghcr\.io\/coder\//,
  /^mcr\.microsoft\.com\/(vscode\/)?devcontainers\//,
  /^(docker\.io\/)?gitpod\/workspace-/,
  /(^|\/)(claude-code|codex|opencode|openhands|aider|devbox|sandbox)[^/]*(:|@|$)/,
];

/** Users that people log in as; service accounts (redis, postgres, www-data, nobody…) are not among them. */
const INTERACTIVE_USERS = new Set(['coder', 'vscode', 'codespace', 'gitpod', 'developer', 'dev', 'node', 'ubuntu', 'user']);

/** Environment variables of these kinds place a person's own data (CODEX_HOME, CLAUDE_CONFIG_DIR, HISTFILE…). */
const PERSONAL_CATEGORIES = new Set(['agent-state', 'credentials', 'shell-history', 'editor']);

function userName(user: string | undefined): string | undefined {
  const name = user === undefined ? undefined : userNamePart(user);
  return name ? name : undefined;
}

export function decideRole(
  input: Pick<TargetInput, 'kind' | 'image' | 'env' | 'user' | 'mounts' | 'changes' | 'labels' | 'home'>,
  home?: string,
): RoleDecision {
  if (input.kind === 'devcontainer' || input.labels?.['devcontainer.config_file'] || input.labels?.['devcontainer.local_folder']) {
    return { role: 'workstation', reason: 'a dev container' };
  }
  if (input.kind === 'self') return { role: 'workstation', reason: 'the container this editor runs in' };
  const image = input.image?.toLowerCase();
  if (image && WORKSTATION_IMAGES.some((r) => r.test(image)))
    return { role: 'workstation', reason: `${input.image} is an image made to work in` };
  const data = wellKnownImageDataPaths(input.image);
  if (data.length > 0) return { role: 'service', reason: `${input.image} serves data (${data.map((d) => d.path).join(', ')})` };

  const personal = CATALOG.find((e) => e.env && PERSONAL_CATEGORIES.has(e.category) && input.env[e.env]);
  if (personal?.env) return { role: 'workstation', reason: `${personal.env} is set (${personal.label})` };

  const inHome = (p: string): boolean => (home && home !== '/' ? isWithin(p, home) : false) || homeOfPath(p) !== undefined;
  const homeMount = input.mounts.find((m: Mount) => !m.pseudo && inHome(m.target) && m.status !== 'tmpfs');
  if (homeMount) return { role: 'workstation', reason: `a volume or bind under the home (${homeMount.target})` };
  const written = input.changes?.find((c) => c.added + c.modified > 0 && inHome(c.directory) && c.directory !== homeOfPath(c.directory));
  if (written) return { role: 'workstation', reason: `the writable layer holds files in the home (${written.directory})` };
  // A source sets `home` only when it was told (HOME in the environment, a dev container's remote user).
  const declaredHome = input.env.HOME?.startsWith('/') ? input.env.HOME : input.home;
  if (declaredHome) return { role: 'workstation', reason: `HOME is set (${declaredHome})` };
  const user = userName(input.user);
  if (user && INTERACTIVE_USERS.has(user)) return { role: 'workstation', reason: `it runs as "${user}", a user people log in as` };
  return {
    role: 'service',
    reason: 'no sign that a person works in it (no home volume, no files written in a home, no HOME, no interactive user)',
  };
}
