import type { PodStorage, SourceLocation } from '../../core/types';
import type { ManifestObject } from './read';

/**
 * What a pod's volume is, in the pod table's terms, from the volume entry and the claims, volumes and classes
 * of the same manifest set. What the set does not say (a claim defined elsewhere) stays unknown, never guessed.
 */

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

export const HELM_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const HELM_RELEASE_ANNOTATION = 'meta.helm.sh/release-name';
export const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/** The Helm release that owns an object, from what `helm template` and `helm install` write on it. */
export function helmRelease(data: Obj): string | undefined {
  const meta = obj(data.metadata);
  const labels = obj(meta.labels);
  const annotations = obj(meta.annotations);
  const release = str(annotations[HELM_RELEASE_ANNOTATION]);
  if (release) return release;
  if (labels[HELM_MANAGED_BY] === 'Helm' || labels['helm.sh/chart'] !== undefined)
    return str(labels['app.kubernetes.io/instance']) ?? str(labels.release) ?? '?';
  return undefined;
}

export function keptByHelm(data: Obj): boolean {
  return obj(obj(data.metadata).annotations)[HELM_RESOURCE_POLICY] === 'keep';
}

/** The claims, volumes and classes of a manifest set, by name. */
export class StorageIndex {
  private readonly claims = new Map<string, ManifestObject>();
  private readonly volumes = new Map<string, ManifestObject>();
  private readonly classes = new Map<string, ManifestObject>();
  private defaultClass?: ManifestObject;

  constructor(objects: readonly ManifestObject[]) {
    for (const o of objects) {
      if (o.kind === 'PersistentVolumeClaim') this.claims.set(`${o.namespace ?? ''}/${o.name}`, o);
      else if (o.kind === 'PersistentVolume') this.volumes.set(o.name, o);
      else if (o.kind === 'StorageClass') {
        this.classes.set(o.name, o);
        const ann = obj(obj(o.data.metadata).annotations);
        if (ann['storageclass.kubernetes.io/is-default-class'] === 'true') this.defaultClass = o;
      }
    }
  }

  /** The claim of that name in the namespace, or in the set when the manifests name no namespaces. */
  claim(name: string, namespace: string | undefined): ManifestObject | undefined {
    return (
      this.claims.get(`${namespace ?? ''}/${name}`) ??
      [...this.claims.values()].find((c) => c.name === name && (!c.namespace || !namespace))
    );
  }

  /** Facts of a claim spec: class, access modes, and the reclaim policy its PV or class gives. */
  claimFacts(spec: Obj): Pick<PodStorage, 'storageClass' | 'accessModes' | 'reclaimPolicy' | 'nodeBound'> {
    const className = typeof spec.storageClassName === 'string' ? spec.storageClassName : undefined;
    const accessModes = strs(spec.accessModes);
    const pv = str(spec.volumeName) ? this.volumes.get(str(spec.volumeName)!) : undefined;
    const pvSpec = obj(pv?.data.spec);
    const cls = className !== undefined ? this.classes.get(className) : this.defaultClass;
    const reclaimPolicy = str(pvSpec.persistentVolumeReclaimPolicy) ?? (cls ? (str(cls.data.reclaimPolicy) ?? 'Delete') : undefined);
    const nodeBound =
      pvSpec.local !== undefined ||
      pvSpec.hostPath !== undefined ||
      (cls ? cls.data.provisioner === 'kubernetes.io/no-provisioner' : false);
    return {
      ...(className !== undefined
        ? { storageClass: className === '' ? '(none: static binding)' : className }
        : cls
          ? { storageClass: `${cls.name} (default)` }
          : {}),
      ...(accessModes?.length ? { accessModes } : {}),
      ...(reclaimPolicy ? { reclaimPolicy } : {}),
      ...(nodeBound ? { nodeBound } : {}),
    };
  }
}

/** A StatefulSet's claim template, as the pods of the set see it. */
export interface ClaimTemplate {
  name: string;
  spec: Obj;
  at: SourceLocation;
}

export interface VolumeContext {
  index: StorageIndex;
  namespace: string | undefined;
  workload: ManifestObject;
  /** StatefulSet claim templates by name. */
  templates: ReadonlyMap<string, ClaimTemplate>;
}

/** The pod status and facts of one `spec.volumes[]` entry. */
export function storageOfVolume(
  volume: Obj,
  ctx: VolumeContext,
): { storage: PodStorage; source?: string; readOnly: boolean; claim?: ManifestObject } {
  const name = str(volume.name);
  const base = name ? { volume: name } : {};
  if (volume.emptyDir !== undefined) {
    const e = obj(volume.emptyDir);
    return {
      storage: {
        status: 'empty-dir',
        ...base,
        ...(str(e.medium) ? { medium: str(e.medium)! } : {}),
        ...(str(e.sizeLimit) ? { sizeLimit: str(e.sizeLimit)! } : {}),
      },
      ...(name ? { source: name } : {}),
      readOnly: false,
    };
  }
  if (volume.persistentVolumeClaim !== undefined) {
    const p = obj(volume.persistentVolumeClaim);
    const claimName = str(p.claimName) ?? '?';
    const claim = ctx.index.claim(claimName, ctx.namespace);
    const storage: PodStorage = { status: 'pvc', ...base, claim: claimName };
    if (claim) {
      Object.assign(storage, ctx.index.claimFacts(obj(claim.data.spec)));
      const release = helmRelease(claim.data);
      const coderWorkspace = str(obj(obj(claim.data.metadata).labels)['com.coder.workspace.name']);
      if (release) {
        storage.owner = `Helm release ${release}`;
        storage.keptOnReleaseDelete = keptByHelm(claim.data);
      } else if (coderWorkspace) {
        // Coder's templates create the claim as a Terraform resource of the workspace: deleting the workspace deletes it.
        storage.owner = `Coder workspace ${coderWorkspace}`;
        storage.keptOnReleaseDelete = false;
      }
    } else {
      storage.lifecycleUnknown = `the claim ${claimName} is not in these manifests: its class, reclaim policy and owner are not known`;
    }
    return { storage, source: claimName, readOnly: p.readOnly === true, ...(claim ? { claim } : {}) };
  }
  if (volume.ephemeral !== undefined) {
    const t = obj(obj(volume.ephemeral).volumeClaimTemplate);
    const facts = ctx.index.claimFacts(obj(t.spec));
    return {
      storage: { status: 'ephemeral-pvc', ...base, claim: `${ctx.workload.name}-<pod>-${name ?? '?'}`, ...facts, owner: 'the pod' },
      ...(name ? { source: name } : {}),
      readOnly: false,
    };
  }
  if (volume.hostPath !== undefined) {
    const path = str(obj(volume.hostPath).path) ?? '?';
    return { storage: { status: 'host-path', ...base, nodeBound: true }, source: path, readOnly: false };
  }
  for (const kind of ['configMap', 'secret', 'projected', 'downwardAPI'] as const) {
    if (volume[kind] === undefined) continue;
    const v = obj(volume[kind]);
    const source = str(v.name) ?? str(v.secretName) ?? name;
    return { storage: { status: 'config', ...base, configKind: kind }, ...(source ? { source } : {}), readOnly: true };
  }
  if (volume.image !== undefined) {
    const ref = str(obj(volume.image).reference);
    return { storage: { status: 'image-volume', ...base }, ...(ref ? { source: ref } : {}), readOnly: true };
  }
  if (volume.csi !== undefined) {
    // An inline CSI volume lives as long as the pod for the ephemeral drivers it is meant for; the driver decides.
    const driver = str(obj(volume.csi).driver) ?? '?';
    return {
      storage: {
        status: 'ephemeral-pvc',
        ...base,
        lifecycleUnknown: `an inline CSI volume of driver ${driver}: the driver decides how long its data lives`,
      },
      source: driver,
      readOnly: obj(volume.csi).readOnly === true,
    };
  }
  // nfs, iscsi, cephfs, rbd and the other in-tree network volumes: the data is on a server the pod only mounts.
  const other = Object.keys(volume).find((k) => k !== 'name');
  return {
    storage: {
      status: 'pvc',
      ...base,
      owner: 'nobody here (declared inline: the pod only mounts it)',
      keptOnReleaseDelete: true,
      reclaimPolicy: 'Retain',
      lifecycleUnknown: `a ${other ?? 'volume'} volume declared inline: its data is wherever the ${other ?? 'volume'} server keeps it`,
    },
    ...(other ? { source: other } : {}),
    readOnly: obj(volume[other ?? '']).readOnly === true,
  };
}

/** A StatefulSet pod's claim from a template: retained unless the retention policy says Delete. */
export function storageOfTemplate(template: ClaimTemplate, ctx: VolumeContext): PodStorage {
  const spec = obj(ctx.workload.data.spec);
  const policy = obj(spec.persistentVolumeClaimRetentionPolicy);
  const whenDeleted = str(policy.whenDeleted) ?? 'Retain';
  const whenScaled = str(policy.whenScaled) ?? 'Retain';
  return {
    status: 'pvc',
    volume: template.name,
    claim: `${template.name}-${ctx.workload.name}-0`,
    ...ctx.index.claimFacts(template.spec),
    owner: `StatefulSet/${ctx.workload.name} (whenDeleted: ${whenDeleted}, whenScaled: ${whenScaled})`,
    keptOnReleaseDelete: whenDeleted !== 'Delete' && whenScaled !== 'Delete',
  };
}
