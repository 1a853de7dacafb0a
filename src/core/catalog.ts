import { isWithin, joinPosix, normalizePosix } from './paths';
import type { Category, Criticality, Mount } from './types';

/**
 * The well-known paths of a container's user, with how much losing them hurts
 * (../shared/notes/persistence-facts.md, "Well-known paths and how much they matter").
 */

/** What a catalog path is relative to; the XDG bases move with the target's environment. */
type Base = 'home' | 'xdgConfig' | 'xdgData' | 'xdgState' | 'xdgCache' | 'absolute';

/**
 * `always`: listed for every target whose home is known (the XDG dirs, shell history...), because data lands
 * there whether or not the user knows it. `present`: listed only when there is evidence the path is used
 * (it exists, something is mounted in it, the environment names it, the writable layer holds it), so a
 * container without, say, Rust does not report a Rust toolchain at risk.
 */
type Presence = 'always' | 'present';

export interface CatalogEntry {
  id: string;
  /**
   * Whatever the storage, what is written here is orphaned at the next start (Coder's per-start script
   * directories): always at risk, and the reason says where to keep it instead.
   */
  orphanedEachStart?: { instead: string };
  label: string;
  base: Base;
  /** Relative to the base (empty for the base itself); absolute when base is `absolute`. */
  rel: string;
  criticality: Criticality;
  category: Category;
  presence: Presence;
  /** An environment variable whose value, when set, is this path (CODEX_HOME, HISTFILE...). */
  env?: string;
}

const e = (
  id: string,
  label: string,
  base: Base,
  rel: string,
  criticality: Criticality,
  category: Category,
  presence: Presence,
  env?: string,
): CatalogEntry => ({
  id,
  label,
  base,
  rel,
  criticality,
  category,
  presence,
  ...(env ? { env } : {}),
  ...(ORPHANED_EACH_START[id] ? { orphanedEachStart: ORPHANED_EACH_START[id] } : {}),
});

/** Coder's registry convention for module state that must outlive a workspace start. */
const CODER_MODULE_STATE = '$HOME/.coder-modules/<namespace>/<module>/';

const ORPHANED_EACH_START: Record<string, CatalogEntry['orphanedEachStart']> = {
  'coder-script-data': { instead: CODER_MODULE_STATE },
  'coder-agent-script-data': { instead: CODER_MODULE_STATE },
};

export const CATALOG: readonly CatalogEntry[] = [
  e('home', 'home directory', 'home', '', 'medium', 'data', 'always'),
  e('workspace', 'workspace', 'absolute', '/workspace', 'critical', 'workspace', 'present'),
  e('workspaces', 'dev container workspaces', 'absolute', '/workspaces', 'critical', 'workspace', 'present'),

  e('ssh', 'SSH keys', 'home', '.ssh', 'critical', 'credentials', 'present'),
  e('gnupg', 'GnuPG keys', 'home', '.gnupg', 'critical', 'credentials', 'present', 'GNUPGHOME'),
  e('aws', 'AWS credentials', 'home', '.aws', 'critical', 'credentials', 'present'),
  e('kube', 'Kubernetes config', 'home', '.kube', 'critical', 'credentials', 'present'),
  e('docker-config', 'Docker registry credentials', 'home', '.docker/config.json', 'critical', 'credentials', 'present'),
  e('git-credentials', 'Git credentials', 'home', '.git-credentials', 'critical', 'credentials', 'present'),
  e('netrc', '.netrc credentials', 'home', '.netrc', 'critical', 'credentials', 'present'),
  e('gh', 'GitHub CLI login', 'xdgConfig', 'gh', 'critical', 'credentials', 'present', 'GH_CONFIG_DIR'),

  e('claude', 'Claude Code state', 'home', '.claude', 'critical', 'agent-state', 'present', 'CLAUDE_CONFIG_DIR'),
  e('claude-json', 'Claude Code settings and login', 'home', '.claude.json', 'critical', 'agent-state', 'present'),
  e('codex', 'Codex state', 'home', '.codex', 'critical', 'agent-state', 'present', 'CODEX_HOME'),
  e('opencode', 'opencode state', 'xdgData', 'opencode', 'critical', 'agent-state', 'present'),

  e('xdg-config', 'configuration (XDG_CONFIG_HOME)', 'xdgConfig', '', 'high', 'config', 'always'),
  e('xdg-data', 'application data (XDG_DATA_HOME)', 'xdgData', '', 'high', 'data', 'always'),
  e('code-server', 'code-server settings and extensions', 'xdgData', 'code-server', 'high', 'editor', 'present'),
  e('vscode-server', 'VS Code Server settings and extensions', 'home', '.vscode-server', 'high', 'editor', 'present'),
  e('bash-history', 'shell history', 'home', '.bash_history', 'high', 'shell-history', 'always', 'HISTFILE'),
  e('zsh-history', 'zsh history', 'home', '.zsh_history', 'high', 'shell-history', 'present'),
  e('ash-history', 'ash history', 'home', '.ash_history', 'high', 'shell-history', 'present'),
  e('fish-history', 'fish history', 'xdgData', 'fish', 'high', 'shell-history', 'present'),
  e('gitconfig', 'Git configuration', 'home', '.gitconfig', 'high', 'config', 'present'),
  e('coder-modules', 'Coder modules state', 'home', '.coder-modules', 'high', 'agent-state', 'present'),
  // Coder gives every script a directory of its own under these, named by an id that changes on each start.
  e(
    'coder-script-data',
    'Coder script data (a new directory every start)',
    'absolute',
    '',
    'high',
    'agent-state',
    'present',
    'CODER_SCRIPT_DATA_DIR',
  ),
  e(
    'coder-agent-script-data',
    'Coder script data (a new directory every start)',
    'absolute',
    '',
    'high',
    'agent-state',
    'present',
    'CODER_AGENT_SCRIPT_DATA_DIR',
  ),
  e('coder-script-bin', 'Coder script programs', 'absolute', '', 'medium', 'toolchain', 'present', 'CODER_SCRIPT_BIN_DIR'),

  e('xdg-state', 'application state (XDG_STATE_HOME)', 'xdgState', '', 'medium', 'toolchain', 'always'),
  e('local-bin', 'user programs', 'home', '.local/bin', 'medium', 'toolchain', 'present'),
  e('cargo-bin', 'Cargo-installed programs', 'home', '.cargo/bin', 'medium', 'toolchain', 'present'),
  e('rustup', 'Rust toolchains', 'home', '.rustup', 'medium', 'toolchain', 'present', 'RUSTUP_HOME'),
  e('mise', 'mise tools', 'xdgData', 'mise', 'medium', 'toolchain', 'present', 'MISE_DATA_DIR'),
  e('nix-profile', 'Nix profile', 'home', '.nix-profile', 'medium', 'toolchain', 'present'),
  e('nix-store', 'Nix store', 'absolute', '/nix', 'medium', 'toolchain', 'present'),

  e('xdg-cache', 'caches (XDG_CACHE_HOME)', 'xdgCache', '', 'low', 'cache', 'always'),
  e('npm-cache', 'npm cache', 'home', '.npm', 'low', 'cache', 'present'),
  e('cargo-registry', 'Cargo registry', 'home', '.cargo/registry', 'low', 'cache', 'present'),
  e('go-mod', 'Go module cache', 'home', 'go/pkg/mod', 'low', 'cache', 'present', 'GOMODCACHE'),
  e('m2', 'Maven repository', 'home', '.m2', 'low', 'cache', 'present'),
  e('gradle-caches', 'Gradle caches', 'home', '.gradle/caches', 'low', 'cache', 'present'),

  e('tmp', 'temporary files', 'absolute', '/tmp', 'none', 'ephemeral', 'always'),
  e('run', 'runtime files', 'absolute', '/run', 'none', 'ephemeral', 'present'),
  e('xdg-runtime', 'runtime files (XDG_RUNTIME_DIR)', 'absolute', '', 'none', 'ephemeral', 'present', 'XDG_RUNTIME_DIR'),
];

/** A catalog entry resolved against one target's home and environment. */
export interface ResolvedCatalogPath {
  entry: CatalogEntry;
  path: string;
  /** Whether the environment put it there (which also counts as evidence of use). */
  fromEnv: boolean;
}

const XDG_VARS: Record<Exclude<Base, 'home' | 'absolute'>, { env: string; rel: string }> = {
  xdgConfig: { env: 'XDG_CONFIG_HOME', rel: '.config' },
  xdgData: { env: 'XDG_DATA_HOME', rel: '.local/share' },
  xdgState: { env: 'XDG_STATE_HOME', rel: '.local/state' },
  xdgCache: { env: 'XDG_CACHE_HOME', rel: '.cache' },
};

/** Only absolute values count: a relative XDG_* is invalid by the spec and ignored by programs. */
function absoluteEnv(env: Record<string, string>, name: string): string | undefined {
  const v = env[name];
  return v && v.startsWith('/') ? normalizePosix(v) : undefined;
}

function baseDir(base: Base, home: string | undefined, env: Record<string, string>): string | undefined {
  if (base === 'absolute') return '/';
  if (base === 'home') return home;
  const xdg = XDG_VARS[base];
  return absoluteEnv(env, xdg.env) ?? (home ? joinPosix(home, xdg.rel) : undefined);
}

/** Resolves every catalog entry that can be placed for this home and environment. */
export function resolveCatalog(home: string | undefined, env: Record<string, string>): ResolvedCatalogPath[] {
  const out: ResolvedCatalogPath[] = [];
  for (const entry of CATALOG) {
    const fromEnv = entry.env ? absoluteEnv(env, entry.env) : undefined;
    if (fromEnv) {
      out.push({ entry, path: fromEnv, fromEnv: true });
      continue;
    }
    // Claude Code keeps .claude.json inside CLAUDE_CONFIG_DIR when that is set.
    if (entry.id === 'claude-json' && absoluteEnv(env, 'CLAUDE_CONFIG_DIR')) {
      out.push({ entry, path: joinPosix(absoluteEnv(env, 'CLAUDE_CONFIG_DIR')!, '.claude.json'), fromEnv: true });
      continue;
    }
    if (entry.base === 'absolute') {
      if (entry.rel) out.push({ entry, path: entry.rel, fromEnv: false });
      continue;
    }
    const dir = baseDir(entry.base, home, env);
    if (dir) out.push({ entry, path: entry.rel ? joinPosix(dir, entry.rel) : dir, fromEnv: false });
  }
  return out;
}

/** The environment variables resolveCatalog reads: with the home, all a resolved catalog depends on. */
const CATALOG_ENV: readonly string[] = [
  ...new Set([
    ...CATALOG.flatMap((entry) => (entry.env ? [entry.env] : [])),
    ...Object.values(XDG_VARS).map((x) => x.env),
    'CLAUDE_CONFIG_DIR',
  ]),
];

/** A resolved catalog with its paths indexed: {@link nearest} probes a map per ancestor of a path, longest first. */
export class ResolvedCatalog {
  /** The first entry placed at each path (the one the catalog's order makes win). */
  private readonly byPath = new Map<string, ResolvedCatalogPath>();

  /** `paths[i].path` normalized, made once (the home entry is the home as given, which may be `/home/..`). */
  readonly normalPaths: readonly string[];

  constructor(readonly paths: readonly ResolvedCatalogPath[]) {
    for (const r of paths) if (!this.byPath.has(r.path)) this.byPath.set(r.path, r);
    this.normalPaths = paths.map((r) => normalizePosix(r.path));
  }

  /**
   * {@link nearestCatalogPath} over these paths: the longest path `a` with isWithin(path, a) that has an entry.
   * Those are `path`, the prefixes of `path` that a `/` follows, then `/` and the empty string when `path` is
   * absolute.
   */
  nearest(path: string): ResolvedCatalogPath | undefined {
    const exact = this.byPath.get(path);
    if (exact) return exact;
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const r = this.byPath.get(path.slice(0, i));
      if (r) return r;
    }
    if (path.charCodeAt(0) !== 47 /* / */) return undefined;
    return (path !== '/' ? this.byPath.get('/') : undefined) ?? this.byPath.get('');
  }
}

/** Resolved catalogs by home and environment; a scan's containers mostly share one. Bounded: cleared when full. */
const sharedCatalogs = new Map<string, ResolvedCatalog>();
const SHARED_CATALOGS_MAX = 64;

/**
 * {@link resolveCatalog}, made once per home and catalog environment and shared (read-only) by every target that
 * has them: a scan of 100 containers of one image resolves it once, not 100 times.
 */
export function sharedCatalog(home: string | undefined, env: Record<string, string>): ResolvedCatalog {
  // Lengths before values: no value can make two different inputs give one key.
  let key = home === undefined ? '-' : `${home.length}:${home}`;
  for (const name of CATALOG_ENV) {
    const v = env[name];
    key += v === undefined ? '|-' : `|${v.length}:${v}`;
  }
  let catalog = sharedCatalogs.get(key);
  if (!catalog) {
    if (sharedCatalogs.size >= SHARED_CATALOGS_MAX) sharedCatalogs.clear();
    catalog = new ResolvedCatalog(resolveCatalog(home, env));
    sharedCatalogs.set(key, catalog);
  }
  return catalog;
}

/** Evidence that a `present` catalog path is in use by a target. */
export interface UsageEvidence {
  existingPaths?: ReadonlySet<string>;
  mounts: readonly Mount[];
}

export function isInUse(resolved: ResolvedCatalogPath, evidence: UsageEvidence): boolean {
  if (resolved.entry.presence === 'always' || resolved.fromEnv) return true;
  if (evidence.existingPaths?.has(resolved.path)) return true;
  return evidence.mounts.some((m) => !m.pseudo && isWithin(m.target, resolved.path));
}

/**
 * The catalog entry that says how much `path` matters: the one placed exactly there, else the nearest
 * one above it (a file in `~/.ssh` is as critical as `~/.ssh`).
 */
export function nearestCatalogPath(path: string, resolved: readonly ResolvedCatalogPath[]): ResolvedCatalogPath | undefined {
  let best: ResolvedCatalogPath | undefined;
  for (const r of resolved) {
    if (!isWithin(path, r.path)) continue;
    if (!best || r.path.length > best.path.length) best = r;
  }
  return best;
}
