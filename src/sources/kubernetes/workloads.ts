import { isSeq, type Node as YamlNode, type YAMLSeq } from 'yaml';
import { dockerStatusOf } from '../../core/pod-survival';
import { normalizePosix } from '../../core/paths';
import { formatLocation } from '../../core/errors';
import type { Mount, SourceLocation, TargetInput } from '../../core/types';
import type { ManifestObject } from './read';
import { helmRelease, storageOfTemplate, storageOfVolume, StorageIndex, type ClaimTemplate, type VolumeContext } from './storage';

/**
 * Workloads of a manifest set as targets: one per container and init container of each pod template, named
 * `<Kind>/<name>/<container>`, with their volume mounts classified by the pod table.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Where each workload kind keeps its pod template. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS);

export interface WorkloadContainer {
  workload: ManifestObject;
  /** `containers` or `initContainers`. */
  list: 'containers' | 'initContainers';
  index: number;
  name: string;
  /** The pod spec's path in the object. */
  podSpecPath: readonly string[];
}

function getIn(data: unknown, path: readonly (string | number)[]): unknown {
  let cur = data;
  for (const k of path) cur = obj(cur)[k as string] ?? (Array.isArray(cur) ? cur[k as number] : undefined);
  return cur;
}

function nodeIn(o: ManifestObject, path: readonly (string | number)[]): YamlNode | undefined {
  const n = o.node.getIn(path, true);
  return n && typeof n === 'object' && 'range' in (n as object) ? (n as YamlNode) : undefined;
}

export function podSpecPathOf(kind: string): readonly string[] | undefined {
  return POD_SPEC_PATHS[kind];
}

/** Every container of every workload, init containers first as the kubelet runs them. */
export function workloadContainers(objects: readonly ManifestObject[]): WorkloadContainer[] {
  const out: WorkloadContainer[] = [];
  for (const o of objects) {
    const podSpecPath = POD_SPEC_PATHS[o.kind];
    if (!podSpecPath) continue;
    const spec = obj(getIn(o.data, podSpecPath));
    for (const l of ['initContainers', 'containers'] as const) {
      list(spec[l]).forEach((c, index) => out.push({ workload: o, list: l, index, name: str(c.name) ?? `#${index}`, podSpecPath }));
    }
  }
  return out;
}

export function targetName(c: Pick<WorkloadContainer, 'workload' | 'name'>): string {
  return `${c.workload.kind}/${c.workload.name}/${c.name}`;
}

/** The targets of a manifest set, and what a reader should know (RWO claims a second pod cannot mount...). */
export function kubernetesTargets(objects: readonly ManifestObject[]): { targets: TargetInput[]; warnings: string[] } {
  const index = new StorageIndex(objects);
  const targets: TargetInput[] = [];
  const warnings: string[] = [];
  const warnedClaims = new Set<string>();
  for (const c of workloadContainers(objects)) {
    const o = c.workload;
    const podSpec = obj(getIn(o.data, c.podSpecPath));
    const container = obj(list(podSpec[c.list])[c.index]);
    const templates = claimTemplates(o);
    const ctx: VolumeContext = { index, namespace: o.namespace, workload: o, templates };
    const volumes = list(podSpec.volumes);
    const volumesNode = nodeIn(o, [...c.podSpecPath, 'volumes']);
    const mounts: Mount[] = [];
    list(container.volumeMounts).forEach((vm, i) => {
      const mountNode = nodeIn(o, [...c.podSpecPath, c.list, c.index, 'volumeMounts', i]);
      const at = o.locate(mountNode);
      const path = str(vm.mountPath);
      const name = str(vm.name);
      if (!path || !path.startsWith('/')) {
        warnings.push(`${formatLocation(at)}: volumeMount ${name ?? '?'} has no absolute mountPath; skipped`);
        return;
      }
      const vi = volumes.findIndex((v) => v.name === name);
      const template = name ? templates.get(name) : undefined;
      let storage;
      let source: string | undefined;
      let readOnly = vm.readOnly === true;
      let volumeAt: SourceLocation | undefined;
      // A StatefulSet's claim template takes precedence over a pod volume of the same name (StatefulSetSpec API).
      if (vi >= 0 && !template) {
        const r = storageOfVolume(volumes[vi]!, ctx);
        storage = r.storage;
        source = r.source;
        readOnly ||= r.readOnly;
        volumeAt = o.locate(isSeq(volumesNode) ? (volumesNode.items[vi] as YamlNode) : undefined);
        if (storage.status === 'pvc' && r.claim) checkSingleWriter(o, storage.accessModes, storage.claim!, at, warnings, warnedClaims);
      } else if (template) {
        storage = storageOfTemplate(template, ctx);
        source = storage.claim;
        volumeAt = template.at;
      } else {
        warnings.push(`${formatLocation(at)}: volumeMount ${name ?? '?'} names no volume of ${o.kind}/${o.name}; the pod would not start`);
        return;
      }
      const subPath = str(vm.subPath) ?? str(vm.subPathExpr);
      if (subPath) storage = { ...storage, subPath };
      if (volumeAt) storage = { ...storage, volumeDeclaredAt: volumeAt };
      mounts.push({
        target: normalizePosix(path),
        status: dockerStatusOf(storage),
        ...(source !== undefined ? { source } : {}),
        readOnly,
        declaredAt: at,
        origin: volumeAt ? `volume ${name} (${formatLocation(volumeAt)})` : `volume ${name}`,
        pod: storage,
      });
    });

    const env: Record<string, string> = {};
    for (const e of list(container.env)) {
      const n = str(e.name);
      if (n && typeof e.value === 'string') env[n] = e.value;
    }
    const security = { ...obj(podSpec.securityContext), ...obj(container.securityContext) };
    const runAsUser = typeof security.runAsUser === 'number' ? security.runAsUser : undefined;
    const release = helmRelease(o.data);
    const labels = { ...(obj(obj(o.data.metadata).labels) as Record<string, string>) };
    if (release) labels['persistence-lens/helm-release'] = release;
    targets.push({
      kind: 'kubernetes-container',
      platform: 'kubernetes',
      name: targetName(c),
      file: o.file,
      ...(str(container.image) ? { image: str(container.image)! } : {}),
      // An init container runs to completion before the others start: its own home holds nothing later, so only
      // what it mounts is looked at (its home is then the one those mounts point into, as for the main containers).
      ...(c.list === 'initContainers' ? {} : env.HOME?.startsWith('/') ? { home: env.HOME } : runAsUser === 0 ? { home: '/root' } : {}),
      ...(runAsUser !== undefined && c.list === 'containers' ? { user: String(runAsUser) } : {}),
      env,
      ...(str(container.workingDir) ? { workingDir: str(container.workingDir)! } : {}),
      mounts,
      imageVolumes: [],
      rootStatus: 'writable-layer',
      ...(security.readOnlyRootFilesystem === true ? { rootReadOnly: true } : {}),
      declaredAt: o.locate(nodeIn(o, [...c.podSpecPath, c.list, c.index])),
      labels,
    });
  }
  return { targets, warnings };
}

function claimTemplates(o: ManifestObject): Map<string, ClaimTemplate> {
  const out = new Map<string, ClaimTemplate>();
  if (o.kind !== 'StatefulSet') return out;
  const node = nodeIn(o, ['spec', 'volumeClaimTemplates']);
  list(obj(o.data.spec).volumeClaimTemplates).forEach((t, i) => {
    const name = str(obj(t.metadata).name);
    if (name) out.set(name, { name, spec: obj(t.spec), at: o.locate(isSeq(node) ? ((node as YAMLSeq).items[i] as YamlNode) : undefined) });
  });
  return out;
}

/**
 * A ReadWriteOnce claim is mounted by one node at a time (ReadWriteOncePod: one pod): a second replica, or the new
 * pod of a rolling update scheduled on another node, waits forever for it.
 */
function checkSingleWriter(
  o: ManifestObject,
  modes: string[] | undefined,
  claim: string,
  at: SourceLocation,
  warnings: string[],
  warned: Set<string>,
): void {
  if (!modes?.some((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod')) return;
  if (o.kind !== 'Deployment' && o.kind !== 'ReplicaSet') return;
  const key = `${o.kind}/${o.name}/${claim}`;
  if (warned.has(key)) return;
  const spec = obj(o.data.spec);
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const strategy = str(obj(spec.strategy).type) ?? (o.kind === 'Deployment' ? 'RollingUpdate' : undefined);
  const mode = modes.includes('ReadWriteOncePod') ? 'ReadWriteOncePod' : 'ReadWriteOnce';
  if (replicas > 1) {
    warned.add(key);
    warnings.push(
      `${formatLocation(at)}: ${o.kind}/${o.name} has ${replicas} replicas but the claim ${claim} is ${mode}: the replicas on another node cannot mount it`,
    );
  } else if (strategy === 'RollingUpdate') {
    warned.add(key);
    const implicit = obj(spec.strategy).type === undefined ? ' (the default)' : '';
    warnings.push(
      `${formatLocation(at)}: ${o.kind}/${o.name} updates with RollingUpdate${implicit} but the claim ${claim} is ${mode}: the new pod cannot mount it while the old one runs (on another node it waits forever); use strategy type Recreate`,
    );
  }
}
