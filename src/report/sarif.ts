/**
 * SARIF 2.1.0 (the format GitHub code scanning and other CI dashboards read) from the findings of the
 * compose / devcontainer.json / Kubernetes manifest diagnostics: one result per finding, its rule the diagnostic's code, its level
 * from the criticality of the data, its place from the file, and its quick fix as a SARIF fix (the exact
 * replacements the editor's quick fix would make). Pure: the caller diagnoses the files.
 */
import { relative, sep } from 'node:path';
import type { Criticality } from '../core/types';
import type { Finding, FindingCode, QuickFix } from '../fixes/diagnose/types';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

interface RuleText {
  name: string;
  short: string;
  full: string;
}

/** What each rule is about, for the tool's rule list (the same words as the editor's diagnostics). */
const RULES: Partial<Record<FindingCode, RuleText>> = {
  'config-error': {
    name: 'ConfigError',
    short: 'The file cannot be read',
    full: 'The compose file or devcontainer.json cannot be read (a syntax error, a wrong type), so what it declares cannot be checked.',
  },
  'database-without-volume': {
    name: 'DatabaseWithoutVolume',
    short: 'A database keeps its data in no volume',
    full: "A database image's data directory has no named volume: its image VOLUME makes an anonymous one, which a recreate (compose down + up, a rebuild) replaces with an empty one.",
  },
  'anonymous-volume': {
    name: 'AnonymousVolume',
    short: 'Data in an anonymous volume',
    full: 'An anonymous volume survives a restart but not a recreate: the new container gets a new, empty one and the old one is orphaned.',
  },
  'tmpfs-over-data': {
    name: 'TmpfsOverData',
    short: 'Data on a tmpfs',
    full: 'A tmpfs is in memory: what is written there is gone at every stop, restart and reboot.',
  },
  'home-not-persisted': {
    name: 'HomeNotPersisted',
    short: 'The home is in the writable layer',
    full: "HOME points at a home that no volume covers: the user's files there are lost when the container is recreated.",
  },
  'agent-state-not-persisted': {
    name: 'AgentStateNotPersisted',
    short: 'Agent state is in the writable layer',
    full: "A coding agent's state (Claude Code, Codex, opencode: logins, sessions, memory) is in a path no volume covers: lost when the container is recreated.",
  },
  'env-path-not-persisted': {
    name: 'EnvPathNotPersisted',
    short: 'A configured data path is in the writable layer',
    full: 'A variable (HISTFILE, XDG_CONFIG_HOME, PGDATA…) points at data that no volume covers: lost when the container is recreated.',
  },
  'host-ssh-bound': {
    name: 'HostSshBound',
    short: "The host's SSH keys are mounted",
    full: "The host's ~/.ssh is bound into the container: whatever runs there can read (or change) the host's keys.",
  },
  'docker-socket-bound': {
    name: 'DockerSocketBound',
    short: 'The Docker socket is mounted',
    full: 'The Docker socket is bound into the container: whatever runs there controls the host.',
  },
  'empty-dir-over-data': {
    name: 'EmptyDirOverData',
    short: 'Data on an emptyDir',
    full: 'An emptyDir lives as long as its pod: a delete, an eviction, a rollout or a reschedule starts the new pod with an empty one.',
  },
  'memory-empty-dir-over-data': {
    name: 'MemoryEmptyDirOverData',
    short: 'Data on a Memory emptyDir',
    full: 'An emptyDir with medium: Memory is a tmpfs: gone with the pod and on a node reboot, and it counts against the memory limit.',
  },
  'pod-writable-layer-data': {
    name: 'PodWritableLayerData',
    short: "Data in a pod container's writable layer",
    full: 'In a pod, even a container restart loses the writable layer: the kubelet starts a new container instead of restarting the old one.',
  },
  'helm-claim-not-kept': {
    name: 'HelmClaimNotKept',
    short: 'A Helm-managed claim is deleted by helm uninstall',
    full: 'A PersistentVolumeClaim created by a Helm chart is deleted by helm uninstall unless annotated helm.sh/resource-policy: keep; with the usual reclaim policy Delete its data goes with it.',
  },
};

/** A rule's words; a code without its own (a newer diagnostic) is described by its name. */
function ruleText(code: FindingCode): RuleText {
  const known = RULES[code];
  if (known) return known;
  const words = code.replace(/-/g, ' ');
  return {
    name: code.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    short: words[0]!.toUpperCase() + words.slice(1),
    full: `Persistence Lens: ${words}.`,
  };
}

/** SARIF levels: what would be lost decides, as `--fail-on` does. */
export function levelOf(f: Pick<Finding, 'severity' | 'criticality'>): 'error' | 'warning' | 'note' {
  if (f.severity === 'error') return 'error';
  const c: Criticality | undefined = f.criticality;
  if (c === 'critical') return 'error';
  if (c === 'high' || c === 'medium' || (c === undefined && f.severity === 'warning')) return 'warning';
  return 'note';
}

export interface DiagnosedFile {
  file: string;
  text: string;
  findings: Array<Finding & { fixes?: QuickFix[]; noFixReason?: string }>;
}

/** A file as a SARIF artifact URI: relative to `root` (with `%SRCROOT%`) when inside it, else a file: URI. */
function artifact(file: string, root: string): { uri: string; uriBaseId?: string } {
  const rel = relative(root, file);
  if (rel && !rel.startsWith('..') && !rel.startsWith(sep))
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  return { uri: `file://${file.split('/').map(encodeURIComponent).join('/')}` };
}

export function toSarif(files: readonly DiagnosedFile[], opts: { root: string; version: string }): unknown {
  const used = new Set<FindingCode>();
  const results = files.flatMap(({ file, findings }) =>
    findings.map((f) => {
      used.add(f.code);
      const where = artifact(file, opts.root);
      const fixText = f.fixes?.length
        ? ` Fix: ${f.fixes.map((x) => x.title).join('; or ')}.`
        : f.noFixReason
          ? ` No automatic fix: ${f.noFixReason}.`
          : '';
      return {
        ruleId: f.code,
        level: levelOf(f),
        message: { text: `${f.message}${fixText}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: where,
              region: {
                startLine: f.range.start.line + 1,
                startColumn: f.range.start.character + 1,
                endLine: f.range.end.line + 1,
                endColumn: f.range.end.character + 1,
              },
            },
          },
        ],
        ...(f.fixes?.length
          ? {
              fixes: f.fixes.map((x) => ({
                description: { text: x.title },
                artifactChanges: [
                  {
                    artifactLocation: artifact(x.plan.file, opts.root),
                    replacements: x.plan.edits.map((e) => ({
                      deletedRegion: { charOffset: e.offset, charLength: e.length },
                      insertedContent: { text: e.text },
                    })),
                  },
                ],
              })),
            }
          : {}),
        properties: {
          ...(f.criticality ? { criticality: f.criticality } : {}),
          ...(f.service ? { service: f.service } : {}),
          ...(f.path ? { path: f.path } : {}),
        },
      };
    }),
  );
  const rules = [...used].sort().map((code) => {
    const text = ruleText(code);
    return {
      id: code,
      name: text.name,
      shortDescription: { text: text.short },
      fullDescription: { text: text.full },
      help: { text: `${text.full} The result's fix is the quick fix the Persistence Lens extension offers on that line.` },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Persistence Lens', version: opts.version, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${opts.root.replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
}
