/**
 * A devcontainer.json's findings: what its own `mounts`, `runArgs`, `image` and environment declare. The
 * services of a compose-based dev container are diagnosed in their compose files.
 */
import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import { analyzeTarget } from '../../core/analyze';
import type { SourceLocation } from '../../core/types';
import { loadDevcontainer } from '../../sources/devcontainer/index';
import { positionOf } from '../text';
import { lazyFixes, planNoFixes, type FixSite } from './fixes';
import { declarationRange, TextLines } from './ranges';
import { findRisks } from './risks';
import { securityHints } from './security';
import type { DiagnoseInputs as Inputs, Finding } from './types';


/** Where the properties the warnings point at are written (the loader keeps locations of mounts only). */
function placesInJson(file: string, text: string): { imageAt?: SourceLocation; environmentAt: Record<string, SourceLocation> } {
  // The loader stripped a BOM before counting; so do we, so line 1 columns agree.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const root = parseTree(body, [], { allowTrailingComma: true, disallowComments: false });
  const at = (node: JsonNode): SourceLocation => ({ file, ...positionOf(body, node.offset) });
  const environmentAt: Record<string, SourceLocation> = {};
  if (!root) return { environmentAt };
  // remoteEnv is applied after containerEnv: a variable set in both takes remoteEnv's value, so its line.
  for (const section of ['containerEnv', 'remoteEnv']) {
    const obj = findNodeAtLocation(root, [section]);
    for (const property of obj?.type === 'object' ? (obj.children ?? []) : []) {
      const key = property.children?.[0];
      if (key?.type === 'string') environmentAt[key.value as string] = at(key);
    }
  }
  const image = findNodeAtLocation(root, ['image'])?.parent?.children?.[0];
  return { ...(image ? { imageAt: at(image) } : {}), environmentAt };
}

export async function diagnoseDevcontainer(inputs: Inputs): Promise<Finding[]> {
  const { file, text, overlay } = inputs;
  const loaded = await loadDevcontainer(file, { overlay, ...(inputs.env ? { env: inputs.env } : {}) });
  const target = loaded.targets[0];
  if (!target) return [];
  const places = placesInJson(file, text);
  const drafts = findRisks(
    analyzeTarget(target),
    {
      file,
      ...(loaded.compose ? {} : { serviceAt: target.declaredAt, ...(places.imageAt ? { imageAt: places.imageAt } : {}) }),
      environmentAt: places.environmentAt,
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
    findings.push({ severity: 'information', code: h.code, message: h.message, range: declarationRange(lines, h.at), service: target.name, planFixes: planNoFixes });
  }
  return findings;
}
