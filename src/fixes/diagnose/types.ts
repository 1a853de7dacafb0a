/**
 * What the diagnostics of a compose file or devcontainer.json say, in editor-neutral terms: the editor
 * layer turns a {@link Finding} into a vscode.Diagnostic and its {@link QuickFix}es into code actions.
 */
import type { Criticality } from '../../core/types';
import type { TextOverlay } from '../../sources/compose/index';
import type { FixPlan } from '../types';

export type FindingCode =
  /** The file cannot be read as compose / devcontainer.json (a syntax error while typing, a wrong type). */
  | 'config-error'
  /** A database image whose data directory has no volume (the image's VOLUME makes an anonymous one). */
  | 'database-without-volume'
  | 'anonymous-volume'
  | 'tmpfs-over-data'
  /** HOME points at a home that no volume covers. */
  | 'home-not-persisted'
  /** CLAUDE_CONFIG_DIR, CODEX_HOME... point at agent state that no volume covers. */
  | 'agent-state-not-persisted'
  /** Another variable (HISTFILE, XDG_CONFIG_HOME, PGDATA...) points at data that no volume covers. */
  | 'env-path-not-persisted'
  | 'host-ssh-bound'
  | 'docker-socket-bound'
  /** Kubernetes: an emptyDir (disk) over data; a Memory one; a workstation's home or agent state in the writable layer. */
  | 'empty-dir-over-data'
  | 'memory-empty-dir-over-data'
  | 'pod-writable-layer-data'
  /** Kubernetes: a claim that `helm uninstall` deletes (no `helm.sh/resource-policy: keep`). */
  | 'helm-claim-not-kept';

export type FindingSeverity = 'error' | 'warning' | 'information';

/** 0-based, like the editor's positions; `character` counts UTF-16 code units. */
export interface TextPosition {
  line: number;
  character: number;
}

export interface TextRange {
  start: TextPosition;
  end: TextPosition;
}

export interface QuickFix {
  title: string;
  /** The fix to apply when the user asks for "the" fix (the named volume). */
  preferred: boolean;
  plan: FixPlan;
}

export interface Finding {
  severity: FindingSeverity;
  code: FindingCode;
  message: string;
  range: TextRange;
  /** The compose service, or the dev container's name. */
  service?: string;
  /** The container path the finding is about (what the fixes persist). */
  path?: string;
  criticality?: Criticality;
  /**
   * Its quick fixes, planned against the diagnosed text on the first call and kept. Planning checks each edit
   * by parsing the whole edited file again, so it waits until the editor asks for the fixes of a line: done
   * for every warning of a large file on every keystroke, it would cost the file's length per warning.
   */
  planFixes(): Promise<PlannedFixes>;
}

export interface PlannedFixes {
  fixes: QuickFix[];
  /** Why no fix is offered, when none is (the engine refused, or no safe edit exists). */
  noFixReason?: string;
}

export interface DiagnoseRequest {
  /** Absolute path of the file being diagnosed. */
  file: string;
  /** Its current text (an editor's buffer, saved or not). */
  text: string;
  /** Other unsaved texts by absolute path (files it includes or extends that are open and changed). */
  overlay?: TextOverlay;
  /** Variables for compose interpolation and `${localEnv:...}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** The least critical data worth a warning; default `medium` (caches and ephemeral paths stay quiet). */
  minimumCriticality?: Criticality;
}

/** What the compose and devcontainer.json diagnosers read: the request resolved (absolute file, overlay holding its text). */
export interface DiagnoseInputs {
  file: string;
  text: string;
  overlay: TextOverlay;
  env?: Record<string, string | undefined>;
  minimumCriticality: Criticality;
}
