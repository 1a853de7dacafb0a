import { podLostOn } from '../core/pod-survival';
import type { PodEvent, PodPathReport, PodStatus } from '../core/types';

/** Table cells for Kubernetes targets' paths (the pod table); format.ts uses them where a path has a pod view. */

const POD_STORAGE_NAMES: Record<PodStatus, string> = {
  'writable-layer': 'writable layer',
  'empty-dir': 'emptyDir',
  pvc: 'pvc',
  'ephemeral-pvc': 'ephemeral pvc',
  'host-path': 'hostPath',
  config: 'config',
  'image-volume': 'image',
};

const POD_TABLE_EVENT_NAMES: Record<PodEvent, string> = {
  containerRestart: 'restart',
  podDelete: 'pod delete',
  nodeReboot: 'reboot',
  releaseDelete: 'uninstall',
  pvcDelete: 'pvc delete',
};

/** "emptyDir cache (Memory)", "pvc data-db-0", "config secret tls": the storage and what names it. */
export function podStorageName(pod: PodPathReport): string {
  const s = pod.storage;
  const name =
    pod.status === 'pvc' ? (s.claim ?? s.volume) : pod.status === 'config' ? [s.configKind, s.volume].filter(Boolean).join(' ') : s.volume;
  const extra = pod.status === 'empty-dir' && s.medium === 'Memory' ? ' (Memory)' : s.lifecycleUnknown ? ' (?)' : '';
  return `${POD_STORAGE_NAMES[pod.status]}${name ? ` ${name}` : ''}${extra}`;
}

export function podFate(pod: PodPathReport): string {
  const lost = podLostOn(pod.survives);
  if (lost.length === 0) return 'survives everything';
  if (lost.includes('containerRestart')) return 'lost on every restart';
  return `lost on ${lost.map((e) => POD_TABLE_EVENT_NAMES[e]).join(', ')}`;
}
