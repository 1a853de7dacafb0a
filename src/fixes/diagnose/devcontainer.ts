/**
 * A devcontainer.json's findings: what its own `mounts`, `runArgs`, `image` and environment declare. The
 * services of a compose-based dev container are diagnosed in their compose files.
 */
import { analyzeTarget } from '../../core/analyze';
import { loadDevcontainer } from '../../sources/devcontainer/index';
import { lazyFixes, planNoFixes, type FixSite } from './fixes';
import { declarationRange, TextLines } from './ranges';
import { findRisks } from './risks';
import { securityHints } from './security';
import type { DiagnoseInputs as Inputs, Finding } from './types';

export async function diagnoseDevcontainer(inputs: Inputs): Promise<Finding[]> {
  const { file, text, overlay } = inputs;
  const loaded = await loadDevcontainer(file, { overlay, ...(inputs.env ? { env: inputs.env } : {}) });
  const target = loaded.targets[0];
  if (!target) return [];
  const { imageAt, environmentAt } = loaded.model;
  const drafts = findRisks(
    analyzeTarget(target),
    {
      file,
      ...(loaded.compose ? {} : { serviceAt: target.declaredAt, ...(imageAt ? { imageAt } : {}) }),
      environmentAt,
      env: target.env,
      // Every mount declared in this file is the dev container's own.
      ownsMountAt: () => true,
    },
    inputs.minimumCriticality,
  );

  const service = target.labels?.['com.docker.compose.service'];
  const site: FixSite =
    loaded.compose && service
      ? { kind: 'devcontainer-compose', file, project: loaded.compose, service, overlay }
      : { kind: 'devcontainer', file, text };
  const lines = new TextLines(text);
  const findings: Finding[] = [];
  for (const d of drafts) {
    findings.push({
      severity: 'warning',
      code: d.code,
      message: d.message,
      range: declarationRange(lines, d.at),
      service: target.name,
      path: d.path,
      criticality: d.criticality,
      planFixes: lazyFixes(site, d),
    });
  }
  for (const h of securityHints(target.mounts, file, new Set())) {
    findings.push({
      severity: 'information',
      code: h.code,
      message: h.message,
      range: declarationRange(lines, h.at),
      service: target.name,
      planFixes: planNoFixes,
    });
  }
  return findings;
}
