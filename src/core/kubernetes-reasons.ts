import { LIFECYCLE_UNKNOWN, POD_EVENT_SHORT_NAMES, podLostOn } from './pod-survival';
import type { PodStorage, PodSurvival } from './types';

/** One sentence about a pod's path: where its bytes live and what destroys them, in Kubernetes' words. */
export function explainPod(path: string, storage: PodStorage, survives: PodSurvival, readOnly: boolean, mountPoint?: string): string {
  const under = mountPoint && mountPoint !== path ? ` (mounted at ${mountPoint})` : '';
  const lost = podLostOn(survives).map((e) => POD_EVENT_SHORT_NAMES[e]);
  const lostText = lost.length ? ` Lost on: ${lost.join(', ')}.` : '';
  const ro = readOnly ? ' It is mounted read-only: writes there fail, nothing written can be lost.' : '';
  const unknown = storage.lifecycleUnknown ? ` ${cap(LIFECYCLE_UNKNOWN)}: ${storage.lifecycleUnknown}.` : '';
  const name = storage.volume ? ` "${storage.volume}"` : '';
  const sub = storage.subPath ? ` (subPath ${storage.subPath})` : '';
  let text: string;
  switch (storage.status) {
    case 'writable-layer':
      text = `No volume covers this path: it lives in the container's writable layer, which the kubelet does not keep when it restarts the container (it starts a new one).`;
      break;
    case 'empty-dir':
      text =
        storage.medium === 'Memory'
          ? `In the emptyDir${name}${under} with medium Memory (a tmpfs counted against the memory limit${storage.sizeLimit ? `, sizeLimit ${storage.sizeLimit}` : ''}): it survives container restarts, not the pod going nor a node reboot.`
          : `In the emptyDir${name}${under}${storage.sizeLimit ? ` (sizeLimit ${storage.sizeLimit})` : ''}: it survives container restarts, but a new pod (a delete, an eviction, a rollout, a reschedule) starts with it empty.`;
      break;
    case 'pvc': {
      const facts = [
        storage.storageClass ? `class ${storage.storageClass}` : '',
        storage.accessModes?.length ? storage.accessModes.join('/') : '',
        storage.reclaimPolicy ? `reclaim ${storage.reclaimPolicy}` : '',
      ].filter(Boolean);
      const owner = storage.owner
        ? ` Owned by ${storage.owner}${storage.keptOnReleaseDelete === false ? ', which deletes it' : storage.keptOnReleaseDelete ? ', which keeps it' : ''}.`
        : '';
      text = `In the PersistentVolumeClaim ${storage.claim ?? storage.volume ?? '?'}${under}${facts.length ? ` (${facts.join(', ')})` : ''}: it outlives pods.${owner}`;
      if (storage.nodeBound) text += ' A local volume: the data stays on one node.';
      break;
    }
    case 'ephemeral-pvc':
      text = `In a generic ephemeral volume${name}${under}: it looks like a PersistentVolumeClaim, but the claim is owned by the pod and deleted with it.`;
      break;
    case 'host-path':
      text = `In the node's folder ${storage.claim ?? storage.volume ?? '?'}${under} (hostPath): pod lifecycle does not touch it, but it is bound to one node: a pod scheduled elsewhere sees another folder.`;
      break;
    case 'config':
      text = `In the ${storage.configKind ?? 'configMap/secret'} volume${name}${under}: a read-only copy the kubelet regenerates from the API objects; edit those objects, not the files.`;
      break;
    case 'image-volume':
      text = `In the image volume${name}${under}: read-only content of an OCI image.`;
      break;
  }
  return `${text}${sub}${lostText}${ro}${unknown}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
