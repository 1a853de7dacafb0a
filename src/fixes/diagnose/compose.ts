/**
 * A compose file's findings: the project it belongs to read with the editor's unsaved text, every service
 * analyzed, and the warnings whose declaration is written in this file.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { analyzeTarget } from '../../core/analyze';
import type { TargetInput } from '../../core/types';
import {
  DEFAULT_COMPOSE_FILES,
  DEFAULT_OVERRIDE_FILES,
  loadComposeProject,
  type ComposeProject,
  type ComposeServiceModel,
  type TextOverlay,
} from '../../sources/compose/index';
import { loadDevcontainer } from '../../sources/devcontainer/index';
import { lazyFixes, planNoFixes } from './fixes';
import { declarationRange, TextLines } from './ranges';
import { findRisks, sameLocation } from './risks';
import { securityHints } from './security';
import type { DiagnoseInputs as Inputs, Finding } from './types';

interface ServiceView {
  model: ComposeServiceModel;
  /** What the service really runs with: the compose target, or the dev container made of it. */
  target: TargetInput;
}

function exists(file: string, overlay: TextOverlay): boolean {
  return overlay.has(file) || existsSync(file);
}

/**
 * The project the file is part of, as the tools that run it see it: an override file with the compose
 * file it overrides, and a compose file that the devcontainer.json beside it uses, with what the dev
 * container adds (its mounts replace the service's; `HISTFILE` on a dev container volume is not at risk).
 */
async function loadView(inputs: Inputs): Promise<{ project: ComposeProject; services: ServiceView[] }> {
  const { file, overlay } = inputs;
  const opts = { overlay, ...(inputs.env ? { env: inputs.env } : {}) };
  const dir = dirname(file);

  const companion = join(dir, 'devcontainer.json');
  if (exists(companion, overlay)) {
    const dev = await loadDevcontainer(companion, opts).catch(() => undefined); // a broken companion: read the file alone
    if (dev?.compose?.files.includes(file)) {
      const devTarget = dev.targets[0]!;
      const devService = devTarget.labels?.['com.docker.compose.service'];
      return {
        project: dev.compose,
        services: dev.compose.services.map((model) => ({
          model,
          target: model.name === devService ? devTarget : dev.compose!.targets.find((t) => t.name === model.name)!,
        })),
      };
    }
  }

  let files = [file];
  if (DEFAULT_OVERRIDE_FILES.includes(basename(file))) {
    const base = DEFAULT_COMPOSE_FILES.map((n) => join(dir, n)).find((f) => exists(f, overlay));
    if (base) files = [base, file];
  }
  const project = await loadComposeProject(files, opts);
  return { project, services: project.services.map((model) => ({ model, target: project.targets.find((t) => t.name === model.name)! })) };
}

export async function diagnoseCompose(inputs: Inputs): Promise<Finding[]> {
  const { file, text } = inputs;
  const { project, services } = await loadView(inputs);
  const takenNames = new Set<string>();
  for (const [key, v] of Object.entries(project.volumes)) {
    takenNames.add(key);
    if (v.name) takenNames.add(v.name);
  }

  const lines = new TextLines(text);
  const findings: Finding[] = [];
  const seenHints = new Set<string>();
  for (const { model, target } of services) {
    const own = [...model.volumes, ...model.tmpfs].map((v) => v.declaredAt);
    const drafts = findRisks(
      analyzeTarget(target),
      {
        file,
        serviceAt: model.declaredAt,
        ...(model.imageAt ? { imageAt: model.imageAt } : {}),
        environmentAt: model.environmentAt,
        env: target.env,
        ownsMountAt: (loc) => own.some((o) => sameLocation(o, loc)),
      },
      inputs.minimumCriticality,
    );
    for (const d of drafts) {
      findings.push({
        severity: 'warning',
        code: d.code,
        message: d.message,
        range: declarationRange(lines, d.at),
        service: model.name,
        path: d.path,
        criticality: d.criticality,
        planFixes: lazyFixes({ kind: 'compose', file, text, service: model.name, takenNames }, d),
      });
    }
    for (const h of securityHints(target.mounts, file, seenHints)) {
      findings.push({
        severity: 'information',
        code: h.code,
        message: h.message,
        range: declarationRange(lines, h.at),
        service: model.name,
        planFixes: planNoFixes,
      });
    }
  }
  return findings;
}
