/**
 * Diagnostics for a Kubernetes manifest (a file with top-level `apiVersion` and `kind`), read with the pod table:
 * - an emptyDir over data that matters: a warning, fixed by a claim (kubernetes-fix.ts);
 * - a Memory emptyDir over data: a warning (a node reboot and the memory limit come on top of the pod's life);
 * - the home or agent state of a workstation container in the writable layer: a warning, fixed by a volumeMount on a claim;
 * - a Helm-managed claim without `helm.sh/resource-policy: keep`: information, fixed by the annotation.
 */
import { analyzeTarget } from '../../core/analyze';
import { criticalityRank } from '../../core/survival';
import { isInputError } from '../../core/errors';
import type { SourceLocation } from '../../core/types';
import { HELM_RESOURCE_POLICY, helmRelease, kubernetesTargets, parseManifestText } from '../../sources/kubernetes/index';
import { planHelmKeepAnnotation, planKubernetesFix } from '../kubernetes-fix';
import type { FixOutcome } from '../types';
import { planNoFixes } from './fixes';
import { declarationRange, TextLines } from './ranges';
import type { DiagnoseInputs, Finding, PlannedFixes } from './types';

const WORKSTATION_CATEGORIES = new Set(['credentials', 'agent-state', 'workspace']);

function lazy(plan: () => FixOutcome): () => Promise<PlannedFixes> {
  let planned: Promise<PlannedFixes> | undefined;
  return () =>
    (planned ??= Promise.resolve().then(() => {
      try {
        const o = plan();
        return o.status === 'planned' ? { fixes: [{ title: o.plan.title, preferred: true, plan: o.plan }] } : { fixes: [] };
      } catch (e) {
        if (isInputError(e)) return { fixes: [], noFixReason: e.message };
        throw e;
      }
    }));
}

export async function diagnoseKubernetes(inputs: DiagnoseInputs): Promise<Finding[]> {
  const { file, text } = inputs;
  const lines = new TextLines(text);
  const objects = parseManifestText(text, file);
  const findings: Finding[] = [];
  const here = (loc: SourceLocation | undefined) => declarationRange(lines, loc && loc.file === file ? loc : { line: 1, column: 1 });
  const min = criticalityRank(inputs.minimumCriticality);
  const seen = new Set<string>();

  for (const input of kubernetesTargets(objects).targets) {
    const report = analyzeTarget(input);
    for (const p of report.paths) {
      if (!p.atRisk || !p.pod || criticalityRank(p.criticality) < min) continue;
      const fix = lazy(() =>
        planKubernetesFix({ file, text, target: input.name, path: p.mountPoint && p.pod!.status === 'empty-dir' ? p.mountPoint : p.path }),
      );
      if (p.pod.status === 'empty-dir' && p.mountPoint) {
        const key = `${input.name}|${p.mountPoint}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const memory = p.pod.storage.medium === 'Memory';
        findings.push({
          severity: 'warning',
          code: memory ? 'memory-empty-dir-over-data' : 'empty-dir-over-data',
          message: memory
            ? `${p.mountPoint} of ${input.name} is a Memory emptyDir: what is written there counts against the memory limit and is lost when the pod goes or the node reboots.`
            : `${p.mountPoint} of ${input.name} is an emptyDir: it survives container restarts, but a new pod (a delete, an eviction, a rollout) starts with it empty.`,
          range: here(p.declaredAt),
          service: input.name,
          path: p.mountPoint,
          criticality: p.criticality,
          planFixes: fix,
        });
      } else if (
        p.pod.status === 'writable-layer' &&
        report.role === 'workstation' &&
        (p.path === report.home || WORKSTATION_CATEGORIES.has(p.category))
      ) {
        findings.push({
          severity: 'warning',
          code: 'pod-writable-layer-data',
          message: `${p.path} (${p.label ?? p.category}) of ${input.name} is in the container's writable layer: a container restart already loses it.`,
          range: here(input.declaredAt),
          service: input.name,
          path: p.path,
          criticality: p.criticality,
          planFixes: fix,
        });
      }
    }
  }

  for (const o of objects) {
    if (o.kind !== 'PersistentVolumeClaim' || !helmRelease(o.data)) continue;
    const annotations = ((o.data.metadata as Record<string, unknown> | undefined)?.annotations ?? {}) as Record<string, unknown>;
    if (annotations[HELM_RESOURCE_POLICY] === 'keep') continue;
    findings.push({
      severity: 'information',
      code: 'helm-claim-not-kept',
      message: `The claim ${o.name} belongs to the Helm release ${helmRelease(o.data)}: helm uninstall deletes it, and with the usual reclaim policy Delete its data too. The annotation ${HELM_RESOURCE_POLICY}: keep makes Helm leave it.`,
      range: here(o.at),
      planFixes: o.file === file ? lazy(() => planHelmKeepAnnotation({ file, text, claim: o.name })) : planNoFixes,
    });
  }
  return findings;
}
