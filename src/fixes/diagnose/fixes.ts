/**
 * The quick fixes of a warning, from the quick-fix engine: a named volume (preferred) and, where a host
 * folder makes sense, a bind. Every plan is made against the text being diagnosed (or the unsaved text of
 * the file it edits), so it applies to exactly that text.
 */
import { isInputError } from '../../core/errors';
import type { ComposeProject, TextOverlay } from '../../sources/compose/index';
import { planComposeFix } from '../compose-fix';
import { planDevcontainerFix } from '../devcontainer-fix';
import { planComposeRedirect, planDevcontainerRedirect } from '../redirect';
import { planComposePersist } from '../persist';
import { singleFileFix } from '../single-files';
import type { FixOutcome, FixPlan } from '../types';
import type { RiskDraft } from './risks';
import type { PlannedFixes, QuickFix } from './types';

/** Where the fixes of a file's warnings are planned. */
export type FixSite =
  /** A compose file: edits go into the service block of this very file. */
  | { kind: 'compose'; file: string; text: string; service: string; takenNames: ReadonlySet<string> }
  /** A devcontainer.json with an image or a Dockerfile: a `mounts` entry. */
  | { kind: 'devcontainer'; file: string; text: string }
  /** A compose-based devcontainer.json: the storage goes into the compose service it names. */
  | { kind: 'devcontainer-compose'; file: string; project: ComposeProject; service: string; overlay: TextOverlay };

type Attempt = { plan: FixPlan } | { refused: string } | undefined;

/** A plan, or why there is none; "already persisted" is no plan and no complaint. */
async function attempt(plan: () => FixOutcome | Promise<FixOutcome>): Promise<Attempt> {
  try {
    const o = await plan();
    return o.status === 'planned' ? { plan: o.plan } : undefined;
  } catch (e) {
    if (isInputError(e)) return { refused: e.message };
    throw e;
  }
}

const planned = (plan: FixPlan): FixOutcome => ({ status: 'planned', plan });

function collect(attempts: Array<{ a: Attempt; preferred: boolean }>): PlannedFixes {
  const fixes: QuickFix[] = [];
  let noFixReason: string | undefined;
  for (const { a, preferred } of attempts) {
    if (!a) continue;
    if ('plan' in a) fixes.push({ title: a.plan.title, preferred, plan: a.plan });
    else noFixReason ??= a.refused;
  }
  if (fixes.length > 0 && !fixes.some((f) => f.preferred)) fixes[0]!.preferred = true;
  return fixes.length === 0 && noFixReason ? { fixes, noFixReason } : { fixes };
}

/** No fixes: the finding is information, or the file could not be read. */
export const planNoFixes = (): Promise<PlannedFixes> => Promise.resolve({ fixes: [] });

/** The fixes of a warning, planned when first asked for (then the same promise), never before. */
export function lazyFixes(site: FixSite, draft: RiskDraft): () => Promise<PlannedFixes> {
  let planned: Promise<PlannedFixes> | undefined;
  return () => (planned ??= planFixes(site, draft));
}

export async function planFixes(site: FixSite, original: RiskDraft): Promise<PlannedFixes> {
  // A single file never gets a volume on its path (single-files.ts): its tool's folder, a variable that moves
  // it into a persisted folder, or advice instead.
  const single = singleFileFix(original.path);
  if (single?.kind === 'advice') return { fixes: [], noFixReason: single.advice };
  if (single?.kind === 'redirect' && site.kind !== 'devcontainer-compose') {
    const redirect = single.redirect;
    // A mount entry on the file's path has to go first; that is the user's edit to make.
    if (original.declaredMount)
      return {
        fixes: [],
        noFixReason: `${redirect.why}: remove this mount of ${redirect.file}, then set ${redirect.variable}=${redirect.value} and persist ${redirect.folder}`,
      };
    const plan =
      site.kind === 'compose'
        ? () => planComposeRedirect({ file: site.file, text: site.text, service: site.service, takenNames: site.takenNames, redirect })
        : () => planDevcontainerRedirect({ file: site.file, text: site.text, redirect });
    return collect([{ a: await attempt(plan), preferred: true }]);
  }
  const draft = single?.kind === 'folder' ? { ...original, path: single.folder } : original;
  switch (site.kind) {
    case 'compose': {
      // The text was just read by the compose loader: a plan may parse only the service's lines.
      const request = {
        file: site.file,
        text: site.text,
        service: site.service,
        path: draft.path,
        takenNames: site.takenNames,
        textAlreadyLoaded: true,
      };
      const volume = await attempt(() => planComposeFix({ ...request, mode: 'volume' }));
      // A database on a host folder depends on the host's ownership and file system (the image chowns its
      // data directory; Docker Desktop's shared folders and rootless engines get that wrong): volume only.
      const bind = draft.category === 'database' ? undefined : await attempt(() => planComposeFix({ ...request, mode: 'bind' }));
      return collect([
        { a: volume, preferred: true },
        { a: bind, preferred: false },
      ]);
    }
    case 'devcontainer': {
      if (draft.declaredMount) {
        // A second `mounts` entry at the same path makes Docker refuse the container ("Duplicate mount point"):
        // only an entry of `mounts` itself can be changed into a volume; one in runArgs is left to the user.
        const replaced = await attempt(() =>
          planned(planDevcontainerFix({ file: site.file, text: site.text, path: draft.path, replaceOnly: true })),
        );
        if (replaced && 'plan' in replaced) return collect([{ a: replaced, preferred: true }]);
        return {
          fixes: [],
          noFixReason: `change this entry into a named volume (source=NAME-\${devcontainerId},target=${draft.path},type=volume)`,
        };
      }
      // A bind would put the data in the workspace folder (committed, synced): a volume named per dev container.
      return collect([
        { a: await attempt(() => planned(planDevcontainerFix({ file: site.file, text: site.text, path: draft.path }))), preferred: true },
      ]);
    }
    case 'devcontainer-compose': {
      if (draft.declaredMount) {
        // The compose service's volumes are overridden by this entry at the same path: only the entry itself can change.
        return {
          fixes: [],
          noFixReason: `change this entry into a named volume (source=NAME-\${devcontainerId},target=${draft.path},type=volume)`,
        };
      }
      const outcome = await attempt(() =>
        planComposePersist(site.project, site.service, { file: site.file, path: draft.path, overlay: site.overlay }),
      );
      return collect([{ a: outcome, preferred: true }]);
    }
  }
}
