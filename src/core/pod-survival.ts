import type { PodEvent, PodStatus, PodStorage, PodSurvival } from './types';

/**
 * What each kind of pod storage survives: the Kubernetes counterpart of survival.ts, owned by the code.
 * Sources: the Kubernetes documentation pages "Volumes" (emptyDir, hostPath, configMap, secret, image),
 * "Ephemeral Volumes" (a generic ephemeral volume's claim is owned by the pod and deleted with it),
 * "Persistent Volumes" (reclaim policy: Delete is the default of dynamic provisioning), "StatefulSets"
 * (persistentVolumeClaimRetentionPolicy, Retain by default) and Helm's "Chart Development Tips"
 * (`helm.sh/resource-policy: keep`). docs/kubernetes.md restates it.
 *
 * - The kubelet starts a NEW container on a restart: the writable layer is lost on `containerRestart`, unlike
 *   a `docker restart`.
 * - A disk emptyDir lives in the pod's directory on the node: a container restart and a node reboot (the same
 *   pod restarted in place) keep it; the pod going (delete, eviction, rollout, reschedule) loses it.
 *   `medium: Memory` is a tmpfs: a node reboot loses it too.
 * - A claim outlives pods; it goes with its owner (a Helm release without `keep`, a StatefulSet whose retention
 *   policy says Delete) and its data goes with the claim unless the reclaim policy is Retain.
 * - hostPath stays on the node (node-bound: a pod scheduled elsewhere sees another directory).
 * - configMap, secret, projected, downwardAPI and image volumes are read-only copies of something kept elsewhere:
 *   nothing written there can be lost (writes fail); the release's objects go with the release.
 */
const POD_TABLE: Readonly<Record<PodStatus, Readonly<PodSurvival>>> = {
  'writable-layer': { containerRestart: false, podDelete: false, nodeReboot: false, releaseDelete: false, pvcDelete: true },
  'empty-dir': { containerRestart: true, podDelete: false, nodeReboot: true, releaseDelete: false, pvcDelete: true },
  pvc: { containerRestart: true, podDelete: true, nodeReboot: true, releaseDelete: true, pvcDelete: false },
  'ephemeral-pvc': { containerRestart: true, podDelete: false, nodeReboot: true, releaseDelete: false, pvcDelete: false },
  'host-path': { containerRestart: true, podDelete: true, nodeReboot: true, releaseDelete: true, pvcDelete: true },
  config: { containerRestart: true, podDelete: true, nodeReboot: true, releaseDelete: false, pvcDelete: true },
  'image-volume': { containerRestart: true, podDelete: true, nodeReboot: true, releaseDelete: true, pvcDelete: true },
};

/** The table row of a pod status, before what a particular volume brings. */
export function basePodSurvival(status: PodStatus): PodSurvival {
  return { ...POD_TABLE[status] };
}

/**
 * The row moved by the facts of one volume:
 * - emptyDir `medium: Memory`: a tmpfs, so a node reboot empties it;
 * - a claim whose owner deletes it (Helm without `keep`, a StatefulSet with `whenDeleted: Delete`): lost on
 *   `releaseDelete` unless its reclaim policy is Retain (the PV and its data stay, released);
 * - a claim with reclaim policy Retain: deleting the claim leaves the data in the PV.
 */
export function podSurvivalOf(storage: PodStorage): PodSurvival {
  const s = basePodSurvival(storage.status);
  const retained = storage.reclaimPolicy === 'Retain';
  if (storage.status === 'empty-dir' && storage.medium === 'Memory') s.nodeReboot = false;
  if (storage.status === 'pvc') {
    if (storage.keptOnReleaseDelete === false && !retained) s.releaseDelete = false;
    if (retained) s.pvcDelete = true;
  }
  if (storage.status === 'ephemeral-pvc' && retained) {
    // The claim goes with the pod, the PV (and the data) stays behind, released: recoverable by hand only.
    s.pvcDelete = true;
  }
  return s;
}

/** At risk in a pod: writes are possible and would not survive the pod being deleted or rescheduled. */
export function isAtRiskInPod(survives: PodSurvival, readOnly: boolean): boolean {
  return !readOnly && !survives.podDelete;
}

export function podLostOn(survives: PodSurvival): PodEvent[] {
  return (Object.keys(survives) as PodEvent[]).filter((e) => !survives[e]);
}

export const POD_EVENT_DESCRIPTIONS: Readonly<Record<PodEvent, string>> = {
  containerRestart: 'a container restart (a crash, a failed liveness probe: the kubelet starts a new container)',
  podDelete: 'the pod going (kubectl delete pod, an eviction, a rollout, a reschedule)',
  nodeReboot: 'the node rebooting',
  releaseDelete: 'the owner going (helm uninstall, the workload or workspace deleted, a StatefulSet scaled down)',
  pvcDelete: 'the PersistentVolumeClaim deleted (the reclaim policy decides what happens to the data)',
};

/** Short names for table cells. */
export const POD_EVENT_SHORT_NAMES: Readonly<Record<PodEvent, string>> = {
  containerRestart: 'restart',
  podDelete: 'pod delete',
  nodeReboot: 'node reboot',
  releaseDelete: 'uninstall',
  pvcDelete: 'pvc delete',
};

/** The nearest Docker status, so that code written for Docker (the mount table, the role) treats the mount sensibly. */
export function dockerStatusOf(
  storage: Pick<PodStorage, 'status' | 'medium'>,
): 'named-volume' | 'anonymous-volume' | 'bind-mount' | 'tmpfs' {
  switch (storage.status) {
    case 'empty-dir':
      return storage.medium === 'Memory' ? 'tmpfs' : 'anonymous-volume';
    case 'pvc':
      return 'named-volume';
    case 'ephemeral-pvc':
      return 'anonymous-volume';
    case 'writable-layer':
    case 'host-path':
    case 'config':
    case 'image-volume':
      return 'bind-mount';
  }
}

/** The message every "mountinfo cannot tell" case carries, so users and tests find the same words. */
export const LIFECYCLE_UNKNOWN = "lifecycle unknown: check the pod's spec";
