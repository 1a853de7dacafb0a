import type { Mount, PodStorage } from '../core/types';
import type { MountInfoEntry } from './mountinfo';

/**
 * What a pod's mount table says in Kubernetes' terms. The kubelet keeps every pod volume under
 * `<kubelet root>/pods/<pod uid>/volumes/kubernetes.io~<plugin>/<volume name>` (docs/kubernetes.md), and the
 * container's mounts are binds of those directories, so ROOT names the plugin and the volume. A volume of its
 * own (a CSI block device, an NFS export) shows ROOT `/` instead, and then mountinfo cannot tell a claim from a
 * generic ephemeral volume: those are reported with `lifecycleUnknown`, never guessed.
 */

/** `.../pods/<uid>/volumes/kubernetes.io~<plugin>/<name>[/...]`, wherever the kubelet root is (minikube: inside an engine volume). */
const KUBELET_VOLUME = /\/pods\/[0-9a-f-]{36}\/volumes\/kubernetes\.io~([a-z-]+)\/([^/]+)(?:\/(.*))?$/;
/** `.../pods/<uid>/volume-subpaths/<volume>/<container>/<index>`: a subPath, of a volume whose kind is not shown. */
const KUBELET_SUBPATH = /\/pods\/[0-9a-f-]{36}\/volume-subpaths\/([^/]+)\/[^/]+\/\d+(?:\/.*)?$/;
/** Any kubelet pod directory: the mark of a pod even when no volume is mounted. */
export const KUBELET_POD_DIR = /\/kubelet\/pods\/[0-9a-f-]{36}\//;
const SERVICE_ACCOUNT_POINTS = ['/run/secrets/kubernetes.io/serviceaccount', '/var/run/secrets/kubernetes.io/serviceaccount'];

const CONFIG_PLUGINS: Record<string, string> = {
  configmap: 'configMap',
  secret: 'secret',
  projected: 'projected',
  'downward-api': 'downwardAPI',
};
const NETWORK_FS = /^(nfs4?|ceph|cephfs|glusterfs|fuse\.glusterfs|cifs|smb3|fuse\.s3fs|lustre|beegfs|gpfs|fuse\.juicefs|fuse\.rclone|9p)$/;
const MEMORY_FS = new Set(['tmpfs', 'ramfs']);

/** Whether a mount table is a pod's: kubelet directories in ROOTs, a kubepods cgroup, a service account token mount. */
export function looksLikePod(entries: readonly MountInfoEntry[]): boolean {
  return entries.some(
    (e) =>
      KUBELET_POD_DIR.test(e.root) ||
      ((e.fsType === 'cgroup' || e.fsType === 'cgroup2') && /kubepods/.test(e.root)) ||
      SERVICE_ACCOUNT_POINTS.includes(e.mountPoint),
  );
}

/** The pod storage a kubelet path names, when ROOT is one; the kubelet patterns win over Docker's volume pattern. */
export function kubeletStorage(root: string): { storage: PodStorage; source: string } | undefined {
  const v = KUBELET_VOLUME.exec(root);
  if (v) {
    const [, plugin, name] = v as unknown as [string, string, string];
    const sub = v[3];
    const base = { volume: name, ...(sub && !sub.startsWith('..') ? { subPath: sub } : {}) };
    if (plugin === 'empty-dir') return { storage: { status: 'empty-dir', ...base }, source: name };
    if (CONFIG_PLUGINS[plugin]) return { storage: { status: 'config', ...base, configKind: CONFIG_PLUGINS[plugin] }, source: name };
    if (plugin === 'local-volume') return { storage: { status: 'pvc', ...base, claim: `(PV ${name})`, nodeBound: true }, source: name };
    if (plugin === 'host-path') return { storage: { status: 'host-path', ...base, nodeBound: true }, source: name };
    if (plugin === 'nfs') {
      return {
        storage: {
          status: 'pvc',
          ...base,
          lifecycleUnknown: `an NFS volume (${name}): a claim's PersistentVolume or declared inline in the pod; either way the data is on the NFS server`,
        },
        source: name,
      };
    }
    // csi and the other volume plugins: a PersistentVolume's mount (a claim, or a generic ephemeral volume's claim).
    return {
      storage: {
        status: 'pvc',
        ...base,
        lifecycleUnknown: `the ${plugin} volume ${name} belongs to a PersistentVolumeClaim or to a generic ephemeral volume (deleted with the pod); mountinfo shows both the same way`,
      },
      source: name,
    };
  }
  const s = KUBELET_SUBPATH.exec(root);
  if (s) {
    return {
      storage: {
        status: 'empty-dir',
        volume: s[1]!,
        lifecycleUnknown: `a subPath of the volume ${s[1]!}, whose kind (emptyDir, claim...) mountinfo does not show; counted as at risk until the pod's spec says otherwise`,
      },
      source: s[1]!,
    };
  }
  return undefined;
}

/**
 * The pod storage of a mount the kubelet paths did not name: a volume of its own (ROOT `/`), a directory of a
 * node disk (hostPath or a local PV), a memory file system. Undefined for what is not a pod volume.
 */
export function otherPodStorage(e: MountInfoEntry, m: Mount): PodStorage | undefined {
  if (m.pseudo) return undefined;
  if (MEMORY_FS.has(e.fsType)) {
    if (SERVICE_ACCOUNT_POINTS.includes(m.target))
      return { status: 'config', volume: 'kube-api-access (service account token)', configKind: 'projected' };
    // Secrets, configMaps and projected volumes are always mounted read-only, so a writable tmpfs is a Memory emptyDir.
    if (!m.readOnly) return { status: 'empty-dir', medium: 'Memory' };
    return {
      status: 'config',
      lifecycleUnknown: 'a read-only tmpfs: a secret, a projected or downwardAPI volume, or a Memory emptyDir mounted read-only',
    };
  }
  if (e.root === '/' && (NETWORK_FS.test(e.fsType) || e.mountSource.startsWith('/dev/'))) {
    return {
      status: 'pvc',
      lifecycleUnknown: `its own ${NETWORK_FS.test(e.fsType) ? 'network file system' : 'block device'} (${e.mountSource}): a PersistentVolumeClaim keeps it, a generic ephemeral volume is deleted with the pod`,
    };
  }
  return {
    status: 'host-path',
    nodeBound: true,
    lifecycleUnknown: `a directory of a node disk (${e.root}): a hostPath or a local PersistentVolume; either way it stays on that node`,
  };
}
