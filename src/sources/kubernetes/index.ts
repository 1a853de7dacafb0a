import type { TargetInput } from '../../core/types';
import { readManifests, type ManifestObject } from './read';
import { kubernetesTargets } from './workloads';

export { looksLikeKubernetes, parseManifestText, readManifests, MAX_MANIFEST_BYTES, MAX_ALIAS_COUNT, type ManifestObject } from './read';
export { kubernetesTargets, workloadContainers, targetName, podSpecPathOf, WORKLOAD_KINDS } from './workloads';
export { helmRelease, keptByHelm, HELM_RESOURCE_POLICY } from './storage';

export interface KubernetesProject {
  files: string[];
  objects: ManifestObject[];
  targets: TargetInput[];
  warnings: string[];
}

/** Kubernetes manifests (files or folders of multi-document YAML) as targets, one per container. */
export async function loadKubernetesManifests(
  paths: readonly string[],
  opts: { cwd?: string; overlay?: ReadonlyMap<string, string> } = {},
): Promise<KubernetesProject> {
  const read = await readManifests(paths, opts);
  const { targets, warnings } = kubernetesTargets(read.objects);
  if (read.objects.length > 0 && targets.length === 0)
    warnings.push(`no workloads (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob) in ${read.files.join(', ')}`);
  return { files: read.files, objects: read.objects, targets, warnings: [...read.warnings, ...warnings] };
}
