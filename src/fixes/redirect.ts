/**
 * The fix of a single file whose tool reads a variable (HISTFILE, CLAUDE_CONFIG_DIR, GIT_CONFIG_GLOBAL): a volume
 * on the folder the variable moves the file into, and the variable itself, as ONE plan for one file. A volume
 * on the file's own path would make a folder there (single-files.ts).
 */
import { planComposeFix } from './compose-fix';
import { planComposeEnv, type EnvPlan } from './compose-env';
import { devcontainerPersistsAt, planDevcontainerEnv, planDevcontainerFix } from './devcontainer-fix';
import { singleFileFix, type FileRedirect } from './single-files';
import { applyEdits, type TextEdit } from './text';
import type { FixOutcome, FixPlan } from './types';

/** The redirect of a path, when it is a single file whose tool reads a variable. */
export function redirectOf(path: string): FileRedirect | undefined {
  const fix = singleFileFix(path);
  return fix?.kind === 'redirect' ? fix.redirect : undefined;
}

interface RedirectRequest {
  file: string;
  text: string;
  redirect: FileRedirect;
  volumeName?: string;
  /** The folder is persisted already (by a file of the project the text does not show): only the variable is set. */
  folderPersisted?: boolean;
}

export interface ComposeRedirectRequest extends RedirectRequest {
  service: string;
  takenNames?: ReadonlySet<string>;
}

/** A compose service: the folder's volume in `volumes:` (and at the top level), the variable in `environment:`. */
export function planComposeRedirect(req: ComposeRedirectRequest): FixOutcome {
  const r = req.redirect;
  const folder = req.folderPersisted
    ? undefined
    : planComposeFix({
        file: req.file,
        text: req.text,
        service: req.service,
        path: r.folder,
        mode: 'volume',
        ...(req.takenNames ? { takenNames: req.takenNames } : {}),
        ...(req.volumeName ? { volumeName: req.volumeName } : {}),
      });
  const volume = folder?.status === 'planned' ? folder.plan : undefined;
  const env = planComposeEnv({
    file: req.file,
    text: volume?.newText ?? req.text,
    service: req.service,
    variable: r.variable,
    value: r.value,
    replaces: r.file,
  });
  return combine(req, volume, env);
}

/** A devcontainer.json (image or Dockerfile): a `mounts` entry for the folder, the variable in `containerEnv`. */
export function planDevcontainerRedirect(req: RedirectRequest): FixOutcome {
  const r = req.redirect;
  const persisted = req.folderPersisted || devcontainerPersistsAt(req.text, r.folder);
  const volume = persisted
    ? undefined
    : planDevcontainerFix({ file: req.file, text: req.text, path: r.folder, ...(req.volumeName ? { volumeName: req.volumeName } : {}) });
  const env = planDevcontainerEnv({
    file: req.file,
    text: volume?.newText ?? req.text,
    variable: r.variable,
    value: r.value,
    replaces: r.file,
  });
  return combine(req, volume, env);
}

function combine(req: RedirectRequest, volume: FixPlan | undefined, env: EnvPlan): FixOutcome {
  const r = req.redirect;
  const setting = `${r.variable}=${r.value}`;
  if (!volume && env.change === 'kept') {
    return {
      status: 'already-persisted',
      file: req.file,
      message: `${r.file} is kept as ${r.movedTo}: ${setting} is set and ${r.folder} is persisted`,
    };
  }
  const newText = env.newText;
  const title = !volume
    ? `Move ${r.file} into ${r.folder} and set ${setting} (${r.folder} is persisted already)`
    : env.change === 'kept'
      ? `Persist ${r.folder}, where ${setting} keeps ${r.file}: ${volume.bindSource ? `host folder ${volume.bindSource}` : `volume "${volume.volumeName}"`}`
      : `Move ${r.file} into ${r.folder} and set ${setting}: ${volume.bindSource ? `host folder ${volume.bindSource}` : `volume "${volume.volumeName}"`}`;
  const plan: FixPlan = {
    file: req.file,
    title,
    kind: 'redirect-file',
    edits: combinedEdits(req.text, volume?.edits ?? [], env.edits, newText),
    originalText: req.text,
    newText,
    ...(volume?.volumeName ? { volumeName: volume.volumeName } : {}),
    ...(volume?.bindSource ? { bindSource: volume.bindSource } : {}),
    redirect: r,
  };
  return { status: 'planned', plan };
}

/**
 * The edits of two plans made one after the other (the second against the first's result) as edits of the
 * original text: the second's offsets mapped back, which works when it touches none of the first's new text;
 * else the changed lines between the two texts as one edit.
 */
export function combinedEdits(original: string, first: readonly TextEdit[], second: readonly TextEdit[], expected: string): TextEdit[] {
  const mapped = mapBack(first, second);
  if (mapped) {
    for (const order of [
      [...first, ...mapped],
      [...mapped, ...first],
    ]) {
      try {
        if (applyEdits(original, order) === expected) return order;
      } catch {
        /* overlapping: try the next */
      }
    }
  }
  return [lineDiff(original, expected)];
}

function mapBack(first: readonly TextEdit[], second: readonly TextEdit[]): TextEdit[] | undefined {
  const sorted = [...first].sort((a, b) => a.offset - b.offset);
  const out: TextEdit[] = [];
  for (const e of second) {
    let shift = 0;
    for (const f of sorted) {
      const start = f.offset + shift;
      const end = start + f.text.length;
      if (e.offset + e.length <= start) break;
      if (e.offset < end) return undefined;
      shift += f.text.length - f.length;
    }
    out.push({ ...e, offset: e.offset - shift });
  }
  return out;
}

/** One edit replacing the lines that differ (the common first and last lines kept). */
export function lineDiff(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  start = before.lastIndexOf('\n', start - 1) + 1;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  // Back to a line start, so whole lines are replaced.
  const nl = before.indexOf('\n', endB - 1);
  const grow = nl < 0 ? before.length - endB : nl + 1 - endB;
  endB += Math.min(grow, after.length - endA);
  endA += Math.min(grow, after.length - endA);
  return { offset: start, length: endB - start, text: after.slice(start, endA) };
}
