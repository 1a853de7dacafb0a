import { spawn } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { contentNameMap, dockerFor, engineArchive, findContainer, statPath, type DockerOptions } from '../backup/docker-access';
import { planPersist, isDevcontainerFile } from '../fixes/persist';
import type { FixPlan } from '../fixes/types';
import { checkPlanWritable, writePlanAtomically } from '../fixes/write';
import { loadComposeProject, normalizeProjectName } from '../sources/compose/index';
import type { DockerConnection } from '../sources/docker/client';
import { composeRefOf, composeUpCommand, detectCompose, runCompose, shellQuote, type ComposeRef } from './compose-recreate';
import { containerForFile, containersFromFile } from './container-find';
import { recreateWithMount } from './container-recreate';
import { devcontainerId, devcontainerIdLabels, DEVCONTAINER_CONFIG_FILE_LABEL, DEVCONTAINER_LOCAL_FOLDER_LABEL } from './devcontainer-id';
import { devcontainerUpCommand } from './devcontainer-recreate';
import { MoveError, moveFailure } from './errors';
import { containerPathDigest, moveIntoVolume, ownContainerId, startAgain, type MoveProgress, type MoveResult } from './index';
import { classifyPath, cleanPath, mustMove, type SourceKind } from './source';
import { composeTargetVolume, type TargetVolume } from './target-volume';
import { compareTrees } from './tree-digest';

/**
 * `persist --write --move-data`: plan the edit, find the container, move the data into the volume the edit
 * declares (verified), write the edit, and recreate (or say how), verifying again in the new container.
 * The CLI and, later, the editor call this; it reports through `onLine` and `onProgress` and never prints.
 */
export interface PersistMoveRequest {
  file: string;
  service?: string;
  path: string;
  volumeName?: string;
  container?: string;
  live?: boolean;
  recreate?: boolean;
}

export interface PersistMoveOptions extends DockerOptions {
  signal?: AbortSignal;
  onProgress?: (p: MoveProgress) => void;
  progressIntervalMs?: number;
  /** A line for the user (what is happening, warnings). */
  onLine?: (line: string) => void;
  /** Unsaved texts by absolute path (an editor's buffers): the edit is planned against them. */
  overlay?: Map<string, string>;
  /**
   * Writes the planned edit once the data is verified in the volume, the container still stopped (default:
   * the file, atomically). The editor applies it as an undoable WorkspaceEdit; a failure undoes the move.
   */
  writeEdit?: (plan: FixPlan) => Promise<void>;
}

export type PersistMoveOutcome =
  | { status: 'already-persisted'; message: string }
  | {
      status: 'moved';
      plan: FixPlan;
      move: MoveResult;
      /** How the container gets recreated (for {@link recreateAndVerify}, or a caller's own way). */
      recreator: Recreator;
      /** The recreate, run and verified (with `recreate`), or only the command to run. */
      recreate: { ran: true; container: { id: string; name: string } } | { ran: false; instructions: string };
    };

export type Recreator =
  | { kind: 'compose'; ref: ComposeRef; renewAnonVolumes: boolean }
  | { kind: 'devcontainer'; workspaceFolder: string; configFile: string }
  | { kind: 'container' };

export async function persistWithData(req: PersistMoveRequest, opts: PersistMoveOptions = {}): Promise<PersistMoveOutcome> {
  const say = (line: string): void => opts.onLine?.(line);
  const file = resolve(req.file);
  const path = cleanPath(req.path);
  // 1. The edit, planned before anything is touched: a file that cannot be edited stops here.
  const outcome = await planPersist({
    file,
    path,
    ...(opts.overlay ? { overlay: opts.overlay } : {}),
    ...(req.service ? { service: req.service } : {}),
    ...(req.volumeName ? { volumeName: req.volumeName } : {}),
  });
  if (outcome.status === 'already-persisted')
    return { status: 'already-persisted', message: `${outcome.message}; nothing to change and no data to move` };
  const { plan } = outcome;
  if (plan.redirect) {
    // Moving one file into the folder under its new name is not built yet: say how, before anything is touched.
    const r = plan.redirect;
    throw new MoveError(
      `${r.why}. Moving the file's data is not done automatically yet: run persist without --move-data to write the edit, recreate the container, then copy the file over (docker cp OLD_CONTAINER:${r.file} ./file && docker cp ./file NEW_CONTAINER:${r.movedTo}). Nothing was changed`,
    );
  }
  if (!plan.volumeName) throw new MoveError(`${plan.title}: the edit declares no volume to move the data into. Nothing was changed`);
  // A file that cannot be written (read-only, changed, not a regular file) is refused before any data moves.
  if (!opts.writeEdit) await checkPlanWritable(plan);

  // 2. The container the data is in.
  const conn = await dockerFor(opts);
  const dOpts = { ...opts, docker: conn };
  const devcontainer = isDevcontainerFile(file) && plan.kind === 'devcontainer-mount';
  const containerRef =
    req.container ??
    (await containerForFile(conn, file, { devcontainer: isDevcontainerFile(file), ...(req.service ? { service: req.service } : {}) })).id;
  const { info } = await findContainer(conn, containerRef).catch((err) => {
    throw moveFailure(err, `looking up container "${containerRef}"`);
  });
  const labels = info.Config?.Labels ?? {};
  const name = info.Name.replace(/^\//, '');

  // 3. The volume, named as the file's declarer will name it, and how the container gets recreated.
  let target: TargetVolume;
  let recreator: Recreator;
  if (devcontainer) {
    const idLabels = devcontainerIdLabels(labels);
    if (!idLabels)
      throw new MoveError(
        `container ${name} carries no dev container labels (${DEVCONTAINER_LOCAL_FOLDER_LABEL}): the volume name's \${devcontainerId} cannot be computed. Nothing was changed`,
      );
    target = { name: plan.volumeName.replace(/\$\{devcontainerId\}/g, devcontainerId(idLabels)), labels: {}, declaredBy: 'devcontainer' };
    recreator = {
      kind: 'devcontainer',
      workspaceFolder: labels[DEVCONTAINER_LOCAL_FOLDER_LABEL]!,
      configFile: labels[DEVCONTAINER_CONFIG_FILE_LABEL] ?? file,
    };
  } else {
    const ref = composeRefOf(labels);
    const key = plan.volumeName;
    const files = ref?.configFiles.length ? ref.configFiles : [plan.file];
    const loaded = await loadComposeProject(files, {
      overlay: new Map([[plan.file, plan.newText]]),
      ...(ref ? { projectDirectory: ref.workingDir, projectName: ref.project } : {}),
    }).catch(() => undefined);
    // the project of the container that runs, else the one compose would take for the file (name:, folder)
    const project = ref?.project ?? loaded?.name ?? normalizeProjectName(basename(dirname(plan.file)));
    const explicitName = loaded?.volumes[key]?.name;
    target = composeTargetVolume(project, key, {
      ...(explicitName ? { explicitName } : {}),
      ...(ref?.version ? { version: ref.version } : {}),
    });
    if (ref) {
      // Compose v1 carries the old container's anonymous volume at an image VOLUME path over to the new one,
      // masking the named volume (see composeUpCommand); renewing is safe when that was the only one.
      const anonymous = (info.Mounts ?? []).filter((m) => (m.Type as string) === 'volume' && /^[0-9a-f]{64}$/.test(m.Name ?? ''));
      const atPath = anonymous.filter((m) => cleanPath(m.Destination) === path);
      const renewAnonVolumes = atPath.length === 1 && anonymous.length === 1;
      recreator = { kind: 'compose', ref, renewAnonVolumes };
    } else recreator = { kind: 'container' };
  }
  say(`moving ${path} of container ${name} into volume "${target.name}"`);

  // 4-8. Stop, copy, verify, then the edit; any failure before the edit is written undoes the move.
  const move = await moveIntoVolume(
    { container: info.Id, path, target, ...(req.live ? { live: true } : {}) },
    {
      ...dOpts,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}),
      commit: async () => {
        try {
          await (opts.writeEdit ?? writePlanAtomically)(plan);
        } catch (err) {
          throw moveFailure(err, `writing the edit to ${plan.file}`);
        }
      },
    },
  );
  for (const w of move.warnings) say(`warning: ${w}`);
  if (move.source.kind === 'anonymous-volume' && move.source.volume) {
    say(
      `the anonymous volume ${move.source.volume} still holds the original data (nothing removes it); once the new container is fine: docker volume rm ${move.source.volume}`,
    );
  }
  say(`${plan.title}: wrote ${plan.file}`);

  // 9. Recreate, or say how.
  const instructions = recreateInstructions(recreator, move);
  if (!req.recreate) {
    return { status: 'moved', plan, move, recreator, recreate: { ran: false, instructions } };
  }
  const recreated = await recreateAndVerify(
    recreator,
    move,
    { file: plan.file, path },
    { ...dOpts, onLine: say, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
  return { status: 'moved', plan, move, recreator, recreate: { ran: true, container: recreated } };
}

/**
 * Step 9 and 10 of {@link persistWithData}, for a caller that recreates when the user says so: recreate the
 * container (compose's output goes to `onLine`), then check that the new container mounts the volume at the
 * path and holds there what was moved. Rejects with a MoveError that says what state things are in.
 */
export async function recreateAndVerify(
  recreator: Recreator,
  move: MoveResult,
  where: { file: string; path: string },
  opts: DockerOptions & { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<{ id: string; name: string }> {
  const say = (line: string): void => opts.onLine?.(line);
  const conn = await dockerFor(opts);
  const dOpts = { ...opts, docker: conn };
  const path = cleanPath(where.path);
  const name = move.container.name;
  const instructions = recreateInstructions(recreator, move);
  let recreated: { id: string; name: string };
  try {
    recreated = await runRecreate(conn, recreator, move, path, say, opts.signal);
  } catch (err) {
    const e = moveFailure(err, `recreating container ${name}`);
    // The old container may still be there (the recreate failed early): it runs again if it ran before.
    if (move.leftStopped) await startAgain(conn, conn.docker.getContainer(move.container.id), name).catch(() => undefined);
    e.message += `. The data is verified in volume "${move.volume}" and ${where.file} declares it; recreate by hand: ${instructions}`;
    throw e;
  }
  // 10. The same data in the new container, from the new volume.
  const { digest, source } = await containerPathDigest(conn, recreated.id, path, dOpts).catch((err) => {
    throw moveFailure(err, `reading ${path} in the recreated container ${recreated.name}`);
  });
  if (source.kind !== 'named-volume' || source.volume !== move.volume) {
    throw new MoveError(
      `the recreated container ${recreated.name} does not mount volume "${move.volume}" at ${path} (it has ${source.kind}${source.volume ? ` "${source.volume}"` : ''}${source.mountPoint && source.mountPoint !== path ? ` at ${source.mountPoint}` : ''})${recreator.kind === 'compose' && !recreator.renewAnonVolumes ? ': compose kept an anonymous volume of the old container there; run the recreate with --renew-anon-volumes once the other anonymous volumes of the service hold nothing you need' : ''}. The data is safe in volume "${move.volume}"`,
    );
  }
  const differences = compareTrees(move.digest, digest);
  if (differences.length > 0)
    throw new MoveError(
      `${path} in the recreated container ${recreated.name} differs from what was moved: ${differences.slice(0, 5).join('; ')}. The volume "${move.volume}" was left as it is`,
    );
  return recreated;
}

/** The command (or the words) that recreate the container with the moved volume, for a person to run. */
export function recreateInstructions(r: Recreator, move: MoveResult): string {
  switch (r.kind) {
    case 'compose': {
      const flavorless = composeUpCommand(
        r.ref,
        { kind: 'v1', command: ['docker-compose'], version: '' },
        { renewAnonVolumes: r.renewAnonVolumes },
      );
      return flavorless.display;
    }
    case 'devcontainer':
      return devcontainerUpCommand(r.workspaceFolder, r.configFile).map(shellQuote).join(' ');
    case 'container':
      return `recreate container ${move.container.name} with the new mount (--mount type=volume,source=${move.volume},target=<path>), or run persist again with --recreate`;
  }
}

async function runRecreate(
  conn: DockerConnection,
  r: Recreator,
  move: MoveResult,
  path: string,
  say: (l: string) => void,
  signal?: AbortSignal,
): Promise<{ id: string; name: string }> {
  switch (r.kind) {
    case 'compose': {
      const flavor = await detectCompose();
      if (!flavor) throw new MoveError('neither `docker compose` (v2) nor `docker-compose` (v1) is installed');
      const cmd = composeUpCommand(r.ref, flavor, { renewAnonVolumes: r.renewAnonVolumes });
      say(`running: ${cmd.display}`);
      await runCompose(cmd, { ...(signal ? { signal } : {}), onOutput: (l) => say(`  ${l}`) });
      const list = await conn.docker.listContainers({
        all: true,
        filters: { label: [`com.docker.compose.project=${r.ref.project}`, `com.docker.compose.service=${r.ref.service}`] },
      });
      const fresh = list.filter((c) => c.Id !== move.container.id && c.State === 'running');
      const withVolume = fresh.find((c) => (c.Mounts ?? []).some((m) => m.Name === move.volume)) ?? fresh[0];
      if (!withVolume) throw new MoveError(`after \`${cmd.display}\` no new running container of service "${r.ref.service}" is there`);
      return { id: withVolume.Id, name: (withVolume.Names?.[0] ?? withVolume.Id).replace(/^\//, '') };
    }
    case 'devcontainer': {
      const argv = devcontainerUpCommand(r.workspaceFolder, r.configFile);
      say(`running: ${argv.map(shellQuote).join(' ')}`);
      await runProgram(argv, say, signal);
      const list = await conn.docker.listContainers({ filters: { label: [`${DEVCONTAINER_LOCAL_FOLDER_LABEL}=${r.workspaceFolder}`] } });
      const c = list.find((x) => x.Id !== move.container.id);
      if (!c) throw new MoveError('after `devcontainer up` no new dev container is running');
      return { id: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, '') };
    }
    case 'container':
      say(`recreating container ${move.container.name} with volume "${move.volume}" at ${path}`);
      const made = await recreateWithMount(
        conn,
        move.container.id,
        { Type: 'volume', Source: move.volume, Target: path },
        signal ? { signal } : {},
      );
      // recreateWithMount starts the new container only when the old one ran; the move had stopped it
      if (move.leftStopped) await startAgain(conn, conn.docker.getContainer(made.id), made.name);
      return made;
  }
}

function runProgram(argv: string[], say: (l: string) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const tail: string[] = [];
    const onData = (d: Buffer): void => {
      for (const l of d
        .toString()
        .split(/\r?\n/)
        .filter((x) => x.trim())) {
        tail.push(l);
        if (tail.length > 10) tail.shift();
        say(`  ${l}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new MoveError(`${argv[0]} could not be run (${err.message}): is it installed?`)));
    child.on('close', (code) =>
      code === 0 ? resolveRun() : reject(new MoveError(`\`${argv.join(' ')}\` exited with ${code}: ${tail.slice(-3).join('; ')}`)),
    );
  });
}

/** What a persist of a path could move, before anything is asked or touched (the editor's first question). */
export interface MoveOffer {
  container: { id: string; name: string; running: boolean };
  /** Where the path lives in that container now. */
  source: SourceKind;
  /** The path holds something a recreate would lose: entries in the writable layer or an anonymous volume, a running tmpfs. */
  holdsData: boolean;
  /** The container this process runs in (it cannot recreate itself and survive: a live copy). */
  self: boolean;
  /** How the container gets recreated once the file declares the volume. */
  recreate: Recreator['kind'];
}

/**
 * The one container that runs from `file` (and `service`), where `path` lives in it and whether it holds data
 * now; undefined when no container, or more than one, runs from the file (then there is nothing to move, or
 * the editor cannot tell which). Reads only: an archive request stopped after its second entry.
 */
export async function moveOffer(
  req: { file: string; service?: string; path: string; container?: string },
  opts: DockerOptions & { signal?: AbortSignal } = {},
): Promise<MoveOffer | undefined> {
  const conn = await dockerFor(opts);
  const file = resolve(req.file);
  const devcontainer = isDevcontainerFile(file);
  // `container`: the caller knows it (the editor's own container, whose labels name the file as the host sees it)
  const found = req.container
    ? [{ id: req.container }]
    : await containersFromFile(conn, file, { devcontainer, ...(req.service ? { service: req.service } : {}) });
  if (found.length !== 1) return undefined;
  const { container, info } = await findContainer(conn, found[0]!.id);
  const path = cleanPath(req.path);
  const source = classifyPath(info, path);
  const running = info.State?.Running === true;
  const recreate: Recreator['kind'] = devcontainer ? 'devcontainer' : composeRefOf(info.Config?.Labels ?? {}) ? 'compose' : 'container';
  const offer = {
    container: { id: info.Id, name: info.Name.replace(/^\//, ''), running },
    source: source.kind,
    self: ownContainerId() === info.Id,
    recreate,
  };
  if (!mustMove(source.kind)) return { ...offer, holdsData: false };
  // a tmpfs is read through the running container only (see read-source.ts): running, it is offered
  if (source.kind === 'tmpfs') return { ...offer, holdsData: running };
  const st = await statPath(conn, container, path, opts.signal);
  if (!st?.isDir) return { ...offer, holdsData: false };
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  opts.signal?.addEventListener('abort', onOuterAbort);
  let entries = 0;
  try {
    for await (const entry of engineArchive(conn, container, `${path}/.`, contentNameMap(), {
      signal: stop.signal,
      doing: `looking into ${path} of container ${offer.container.name}`,
    })) {
      void entry;
      if (++entries > 1) break; // the root, then anything: it holds data
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    stop.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { ...offer, holdsData: entries > 1 };
}
