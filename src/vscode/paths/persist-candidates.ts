import type { ScanResult } from '../../core/types';
import { declaringFiles } from '../tree/build';
import type { TargetNode } from '../tree/nodes';

/** A file the backend's quick fixes could edit to persist a path, and the compose service in it. */
export interface PersistCandidate {
  file: string;
  service?: string;
  /** Why this file: "declares this container", "devcontainer.json in the workspace". */
  why: string;
}

const COMPOSE_SERVICE = 'com.docker.compose.service';

/**
 * A host path (compose and devcontainer labels name files as the Docker host sees them) as the editor sees it
 * when it runs in that container: through the bind mount that holds it (the longest match), e.g. the host's
 * `/home/me/proj/compose.yaml` at `/workspace/compose.yaml` under `- .:/workspace`. Unchanged otherwise.
 */
export function throughBinds(node: TargetNode, hostPath: string): string {
  if (node.rootKind !== 'self') return hostPath;
  let best: { source: string; path: string } | undefined;
  for (const p of node.target.paths) {
    const source = p.status === 'bind-mount' ? p.source?.replace(/\/+$/, '') : undefined;
    if (!source || p.path !== (p.mountPoint ?? p.path)) continue;
    if ((hostPath === source || hostPath.startsWith(`${source}/`)) && source.length > (best?.source.length ?? -1))
      best = { source, path: p.path };
  }
  return best ? best.path.replace(/\/+$/, '') + hostPath.slice(best.source.length) : hostPath;
}

function fromLabels(node: TargetNode): PersistCandidate[] {
  const labels = node.target.labels ?? {};
  const files = declaringFiles(node.target).map((f) => throughBinds(node, f));
  const service = labels[COMPOSE_SERVICE];
  return files.map((file) => {
    const isDevcontainer =
      labels['devcontainer.config_file'] !== undefined && file === throughBinds(node, labels['devcontainer.config_file']);
    return isDevcontainer || !service
      ? { file, why: 'declares this container' }
      : { file, service, why: `declares service "${service}" of this container` };
  });
}

/**
 * Which files could make a path of `node`'s target persistent: the one a config-file target comes from,
 * the ones a container's labels name, and for this container without labels, every compose service and
 * dev container the workspace declares (the user picks). Existence on disk is the caller's to check.
 */
export function persistCandidates(node: TargetNode, scan: ScanResult | undefined): PersistCandidate[] {
  const t = node.target;
  if (node.rootKind === 'file') {
    if (!t.file) return [];
    return [
      t.kind === 'compose-service'
        ? { file: t.file, service: t.name, why: 'declares this service' }
        : { file: t.file, why: 'declares this dev container' },
    ];
  }
  const labelled = fromLabels(node);
  if (labelled.length > 0 || node.rootKind === 'container') return dedupe(labelled);
  const declared = (scan?.targets ?? []).filter((x) => (x.kind === 'compose-service' || x.kind === 'devcontainer') && x.file);
  return dedupe(
    declared.map((x) =>
      x.kind === 'compose-service'
        ? { file: x.file!, service: x.name, why: `service "${x.name}" in the workspace` }
        : { file: x.file!, why: 'dev container in the workspace' },
    ),
  );
}

function dedupe(list: PersistCandidate[]): PersistCandidate[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = `${c.file}#${c.service ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
