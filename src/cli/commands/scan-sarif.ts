import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { criticalityRank } from '../../core/survival';
import type { Criticality } from '../../core/types';
import { diagnoseConfigFile } from '../../fixes/diagnose/index';
import { discoverConfigFiles } from '../../sources/discover';
import { toSarif, type DiagnosedFile } from '../../report/sarif';
import type { Output } from '../output';
import { toolVersion } from '../version';

export interface SarifScanRequest {
  composeFiles: string[];
  devcontainerFile?: string;
  /** Kubernetes manifests: files, or folders whose .yaml/.yml files are read. */
  kubernetesPaths?: string[];
  /** What the findings are about; `low` makes caches count too (default `medium`, as in the editor). */
  minimumCriticality?: Criticality;
  failOn?: Criticality;
}

/**
 * `scan --format sarif`: the compose files and devcontainer.json given (else the ones of the current folder)
 * diagnosed as the editor diagnoses them, one SARIF result per finding with its quick fix. Exit 1 when a
 * finding about data of `failOn` or more is there (like `--fail-on`).
 */
export async function sarifScan(req: SarifScanRequest, io: Output): Promise<number> {
  const cwd = process.cwd();
  let files = [
    ...req.composeFiles.map((f) => resolve(cwd, f)),
    ...(req.devcontainerFile ? [resolve(cwd, req.devcontainerFile)] : []),
    ...(await manifestFiles((req.kubernetesPaths ?? []).map((p) => resolve(cwd, p)))),
  ];
  if (files.length === 0) {
    const found = await discoverConfigFiles(cwd);
    files = [...found.compose, ...found.devcontainers];
  }
  const diagnosed: DiagnosedFile[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const findings = await diagnoseConfigFile({ file, text, minimumCriticality: req.minimumCriticality ?? 'medium' });
    diagnosed.push({
      file,
      text,
      findings: await Promise.all(
        findings.map(async (f) => {
          const planned = await f.planFixes();
          return { ...f, fixes: planned.fixes, ...(planned.noFixReason ? { noFixReason: planned.noFixReason } : {}) };
        }),
      ),
    });
  }
  io.out(`${JSON.stringify(toSarif(diagnosed, { root: cwd, version: toolVersion() }), null, 2)}\n`);
  if (!req.failOn) return 0;
  const min = criticalityRank(req.failOn);
  const tripped = diagnosed.some((d) =>
    d.findings.some((f) => f.code === 'config-error' || (f.criticality !== undefined && criticalityRank(f.criticality) >= min)),
  );
  return tripped ? 1 : 0;
}

/** The manifest files of the paths given: a file as it is, a folder's *.yaml and *.yml (sorted, not recursing). */
async function manifestFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      out.push(
        ...(await readdir(p))
          .filter((n) => /\.ya?ml$/.test(n))
          .sort()
          .map((n) => join(p, n)),
      );
    } else out.push(p);
  }
  return out;
}
