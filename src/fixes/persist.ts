import { basename, resolve } from 'node:path';
import { effectiveMounts } from '../core/analyze';
import { MountTable, type Classification } from '../core/mount-table';
import { isAtRisk } from '../core/survival';
import type { SourceLocation, TargetInput } from '../core/types';
import { loadComposeProject, type ComposeProject, type TextOverlay } from '../sources/compose/index';
import { loadDevcontainer } from '../sources/devcontainer/index';
import { planComposeFix } from './compose-fix';
import { planDevcontainerFix } from './devcontainer-fix';
import { checkTextSize, readConfigFile } from '../sources/compose/limits';
import { checkBindSource, checkContainerPath } from './paths';
import { planComposeRedirect, planDevcontainerRedirect, redirectOf } from './redirect';
import { singleFileAdvice, singleFileFix } from './single-files';
import { FixRefusal, type FixOutcome } from './types';
import { planKubernetesFix } from './kubernetes-fix';
import { looksLikeKubernetes } from '../sources/kubernetes/read';

export interface PersistRequest {
  /** A compose file or a devcontainer.json. */
  file: string;
  /** The compose service (optional when the file has one service, or for a devcontainer.json). */
  service?: string;
  /** Absolute container path. */
  path: string;
  volumeName?: string;
  /** Bind this host folder instead of a named volume. */
  bindSource?: string;
  /** Unsaved texts by absolute path (an editor's buffers), read and planned against instead of the disk. */
  overlay?: TextOverlay;
}

export type PersistOutcome = FixOutcome;

export function isDevcontainerFile(file: string): boolean {
  const name = basename(file).toLowerCase();
  return name === 'devcontainer.json' || name === '.devcontainer.json' || name.endsWith('.jsonc') || name.endsWith('.json');
}

/** Plans the edit that makes `path` persistent, in the file that really declares the service. */
export async function planPersist(request: PersistRequest): Promise<PersistOutcome> {
  const req = forSingleFile(request);
  checkContainerPath(req.path);
  if (req.bindSource !== undefined) checkBindSource(req.bindSource);
  if (isDevcontainerFile(req.file)) return planDevcontainerPersist(req);
  // Dispatch by content: a file the compose loader would fail on (missing, unreadable) is left to it and its messages.
  const text = await readText(req.file, req.overlay).catch(() => undefined);
  if (text !== undefined && looksLikeKubernetes(text)) return planKubernetesPersist(req, text);
  const project = await loadComposeProject([req.file], overlayOption(req));
  return planComposePersist(project, req.service, req);
}

/** A Kubernetes manifest (`apiVersion` and `kind` at the top level): `service` names `<Kind>/<name>/<container>`. */
function planKubernetesPersist(req: PersistRequest, text: string): PersistOutcome {
  const single = singleFileFix(req.path);
  if (single && !req.bindSource && single.kind !== 'folder')
    throw new FixRefusal(`${singleFileAdvice(single)} (in the container's env and a claim; not written into a manifest automatically)`);
  if (req.bindSource !== undefined)
    throw new FixRefusal(
      `${req.file} is a Kubernetes manifest: a host folder (hostPath) would tie the data to one node; persist it in a claim instead`,
    );
  return planKubernetesFix({
    file: req.file,
    text,
    path: req.path,
    ...(req.service ? { target: req.service } : {}),
    ...(req.volumeName ? { claimName: req.volumeName } : {}),
  });
}

async function planDevcontainerPersist(req: PersistRequest): Promise<PersistOutcome> {
  const loaded = await loadDevcontainer(req.file, overlayOption(req));
  if (loaded.compose) {
    // A compose-based dev container: its storage is declared by the compose service it names.
    const service = loaded.targets[0]?.labels?.['com.docker.compose.service'] ?? req.service;
    return planComposePersist(loaded.compose, service, req);
  }
  const target = loaded.targets[0];
  if (!target) throw new FixRefusal(`${req.file} declares no dev container`);
  const persisted = persistedBy(target, req.path);
  if (persisted) return { status: 'already-persisted', file: req.file, ...persisted };
  const text = await readText(req.file, req.overlay);
  const redirect = req.bindSource ? undefined : redirectOf(req.path);
  if (redirect) {
    const folderPersisted = persistedBy(target, redirect.folder) !== undefined;
    return planDevcontainerRedirect({
      file: req.file,
      text,
      redirect,
      folderPersisted,
      ...(req.volumeName ? { volumeName: req.volumeName } : {}),
    });
  }
  return {
    status: 'planned',
    plan: planDevcontainerFix({
      file: req.file,
      text,
      path: req.path,
      ...(req.volumeName ? { volumeName: req.volumeName } : {}),
      ...(req.bindSource ? { bindSource: req.bindSource } : {}),
    }),
  };
}

/** Plans in a project already loaded (a caller that diagnoses several paths loads it once). */
export async function planComposePersist(
  project: ComposeProject,
  serviceName: string | undefined,
  req: PersistRequest,
): Promise<PersistOutcome> {
  const names = project.services.map((s) => s.name);
  const name = serviceName ?? (names.length === 1 ? names[0] : undefined);
  if (!name) throw new FixRefusal(`${req.file} has several services (${names.join(', ')}): name one with --service`);
  const model = project.services.find((s) => s.name === name);
  const target = project.targets.find((t) => t.name === name);
  if (!model || !target)
    throw new FixRefusal(`service "${name}" is not declared in ${project.files.join(', ')} (services: ${names.join(', ') || 'none'})`);

  const persisted = persistedBy(target, req.path);
  if (persisted) return { status: 'already-persisted', file: persisted.declaredAt?.file ?? model.file, ...persisted };

  // Edit where the service itself is written (an included file, the extending file...), never a shared base.
  const file = model.file;
  const text = await readText(file, req.overlay);
  const takenNames = new Set<string>();
  for (const [key, v] of Object.entries(project.volumes)) {
    takenNames.add(key);
    if (v.name) takenNames.add(v.name);
  }
  const redirect = req.bindSource ? undefined : redirectOf(req.path);
  if (redirect) {
    // The variable goes where the service is written; the folder may be persisted by any file of the project.
    const folderPersisted = persistedBy(target, redirect.folder) !== undefined;
    return planComposeRedirect({
      file,
      text,
      service: name,
      redirect,
      takenNames,
      folderPersisted,
      ...(req.volumeName ? { volumeName: req.volumeName } : {}),
    });
  }
  return planComposeFix({
    file,
    text,
    service: name,
    path: req.path,
    mode: req.bindSource ? 'bind' : 'volume',
    takenNames,
    ...(req.volumeName ? { volumeName: req.volumeName } : {}),
    ...(req.bindSource ? { bindSource: req.bindSource } : {}),
  });
}

function overlayOption(req: PersistRequest): { overlay?: TextOverlay } {
  return req.overlay ? { overlay: req.overlay } : {};
}

/** The text a plan is made against: the unsaved one when there is one, else the file's. */
async function readText(file: string, overlay: TextOverlay | undefined): Promise<string> {
  const unsaved = overlay?.get(resolve(file));
  return unsaved !== undefined ? checkTextSize(file, unsaved) : readConfigFile(file);
}

function describeStorage(c: Classification): string {
  const m = c.mount!;
  const at = m.target;
  if (c.status === 'named-volume') return `the named volume "${m.source ?? '?'}" at ${at}`;
  if (c.status === 'bind-mount') return `the bind of ${m.source ?? '?'} at ${at}`;
  return `${c.status} at ${at}`;
}

/** Why the path is already safe (a volume or bind covers it, or it is read-only), or undefined when at risk. */
function persistedBy(target: TargetInput, path: string): { message: string; declaredAt?: SourceLocation } | undefined {
  const c = new MountTable(effectiveMounts(target), target.rootStatus).classify(path);
  if (isAtRisk(c.survives, c.readOnly) || !c.mount) return undefined;
  const declaredAt = c.mount.declaredAt;
  const where = declaredAt ? ` (${declaredAt.file}:${declaredAt.line})` : '';
  const what = c.readOnly
    ? `is on a read-only mount (${describeStorage(c)}): nothing written there can be lost`
    : `is already persisted by ${describeStorage(c)}`;
  return { message: `${path} ${what}${where}`, ...(declaredAt ? { declaredAt } : {}) };
}

/**
 * A single file (history, `.gitconfig`…) never gets a named volume on its path: its own folder is persisted
 * where that folder is the tool's (`~/.docker`), a variable moves it into a persisted folder where its tool
 * reads one (planned with the file, redirect.ts), a bind of a host file is kept as asked, and otherwise the
 * refusal says what does work.
 */
function forSingleFile(req: PersistRequest): PersistRequest {
  const single = singleFileFix(req.path);
  if (!single || req.bindSource || single.kind === 'redirect') return req;
  if (single.kind === 'folder') return { ...req, path: single.folder };
  throw new FixRefusal(single.advice);
}
