import { spawn } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { findContainer, type DockerOptions } from '../backup/docker-access';
import { planPersist, isDevcontainerFile } from '../fixes/persist';
import type { FixPlan } from '../fixes/types';
import { writePlanAtomically } from '../fixes/write';
import { loadComposeProject, normalizeProjectName } from '../sources/compose/index';
import { connectDocker, type DockerConnection } from '../sources/docker/client';
import { composeRefOf, composeUpCommand, detectCompose, runCompose, shellQuote, type ComposeRef } from './compose-recreate';
import { containerForFile } from './container-find';
import { recreateWithMount } from './container-recreate';
import { devcontainerId, devcontainerIdLabels, DEVCONTAINER_CONFIG_FILE_LABEL, DEVCONTAINER_LOCAL_FOLDER_LABEL } from './devcontainer-id';
import { devcontainerUpCommand } from './devcontainer-recreate';
import { MoveError, moveFailure } from './errors';
import { containerPathDigest, moveIntoVolume, startAgain, type MoveProgress, type MoveResult } from './index';
import { cleanPath } from './source';
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
}

export type PersistMoveOutcome =
  | { status: 'already-persisted'; message: string }
  | {
      status: 'moved';
      plan: FixPlan;
      move: MoveResult;
      /** The recreate, run and verified (with `recreate`), or only the command to run. */
      recreate: { ran: true; container: { id: string; name: string } } | { ran: false; instructions: string };
    };

type Recreator =
  | { kind: 'compose'; ref: ComposeRef; renewAnonVolumes: boolean }
  | { kind: 'devcontainer'; workspaceFolder: string; configFile: string }
  | { kind: 'container' };

export async function persistWithData(req: PersistMoveRequest, opts: PersistMoveOptions = {}): Promise<PersistMoveOutcome> {
  const say = (line: string): void => opts.onLine?.(line);
  const file = resolve(req.file);
  const path = cleanPath(req.path);
  // 1. The edit, planned before anything is touched: a file that cannot be edited stops here.
  const outcome = await planPersist({ file, path, ...(req.service ? { service: req.service } : {}), ...(req.volumeName ? { volumeName: req.volumeName } : {}) });
  if (outcome.status === 'already-persisted') return { status: 'already-persisted', message: `${outcome.message}; nothing to change and no data to move` };
  const { plan } = outcome;
  if (!plan.volumeName) throw new MoveError(`${plan.title}: the edit declares no volume to move the data into. Nothing was changed`);

  // 2. The container the data is in.
  const conn: DockerConnection = opts.docker ?? (await connectDocker(opts.host !== undefined ? { host: opts.host } : {}));
  const dOpts = { ...opts, docker: conn };
  const devcontainer = isDevcontainerFile(file) && plan.kind === 'devcontainer-mount';
  const containerRef = req.container ?? (await containerForFile(conn, file, { devcontainer: isDevcontainerFile(file), ...(req.service ? { service: req.service } : {}) })).id;
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
    if (!idLabels) throw new MoveError(`container ${name} carries no dev container labels (${DEVCONTAINER_LOCAL_FOLDER_LABEL}): the volume name's \${devcontainerId} cannot be computed. Nothing was changed`);
    target = { name: plan.volumeName.replace(/\$\{devcontainerId\}/g, devcontainerId(idLabels)), labels: {}, declaredBy: 'devcontainer' };
    recreator = { kind: 'devcontainer', workspaceFolder: labels[DEVCONTAINER_LOCAL_FOLDER_LABEL]!, configFile: labels[DEVCONTAINER_CONFIG_FILE_LABEL] ?? file };
  } else {
    const ref = composeRefOf(labels);
    const key = plan.volumeName;
    const files = ref?.configFiles.length ? ref.configFiles : [plan.file];
    const loaded = await loadComposeProject(files, { overlay: new Map([[plan.file, plan.newText]]), ...(ref ? { projectDirectory: ref.workingDir, projectName: ref.project } : {}) }).catch(() => undefined);
    // the project of the container that runs, else the one compose would take for the file (name:, folder)
    const project = ref?.project ?? loaded?.name ?? normalizeProjectName(basename(dirname(plan.file)));
    const explicitName = loaded?.volumes[key]?.name;
    target = composeTargetVolume(project, key, { ...(explicitName ? { explicitName } : {}), ...(ref?.version ? { version: ref.version } : {}) });
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
          await writePlanAtomically(plan);
        } catch (err) {
          throw moveFailure(err, `writing the edit to ${plan.file}`);
        }
      },
    },
  );
  for (const w of move.warnings) say(`warning: ${w}`);
  if (move.source.kind === 'anonymous-volume' && move.source.volume) {
    say(`the anonymous volume ${move.source.volume} still holds the original data (nothing removes it); once the new container is fine: docker volume rm ${move.source.volume}`);
  }
  say(`${plan.title}: wrote ${plan.file}`);

  // 9. Recreate, or say how.
  const instructions = recreateInstructions(recreator, move);
  if (!req.recreate) {
    return { status: 'moved', plan, move, recreate: { ran: false, instructions } };
  }
  let recreated: { id: string; name: string };
  try {
    recreated = await runRecreate(conn, recreator, move, path, say, opts.signal);
  } catch (err) {
    const e = moveFailure(err, `recreating container ${name}`);
    // The old container may still be there (the recreate failed early): it runs again if it ran before.
    if (move.leftStopped) await startAgain(conn, conn.docker.getContainer(move.container.id), name).catch(() => undefined);
    e.message += `. The data is verified in volume "${move.volume}" and ${plan.file} declares it; recreate by hand: ${instructions}`;
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
  if (differences.length > 0) throw new MoveError(`${path} in the recreated container ${recreated.name} differs from what was moved: ${differences.slice(0, 5).join('; ')}. The volume "${move.volume}" was left as it is`);
  return { status: 'moved', plan, move, recreate: { ran: true, container: recreated } };
}

function recreateInstructions(r: Recreator, move: MoveResult): string {
  switch (r.kind) {
    case 'compose': {
      const flavorless = composeUpCommand(r.ref, { kind: 'v1', command: ['docker-compose'], version: '' }, { renewAnonVolumes: r.renewAnonVolumes });
      return flavorless.display;
    }
    case 'devcontainer':
      return devcontainerUpCommand(r.workspaceFolder, r.configFile).map(shellQuote).join(' ');
    case 'container':
      return `recreate container ${move.container.name} with the new mount (--mount type=volume,source=${move.volume},target=<path>), or run persist again with --recreate`;
  }
}

async function runRecreate(conn: DockerConnection, r: Recreator, move: MoveResult, path: string, say: (l: string) => void, signal?: AbortSignal): Promise<{ id: string; name: string }> {
  switch (r.kind) {
    case 'compose': {
      const flavor = await detectCompose();
      if (!flavor) throw new MoveError('neither `docker compose` (v2) nor `docker-compose` (v1) is installed');
      const cmd = composeUpCommand(r.ref, flavor, { renewAnonVolumes: r.renewAnonVolumes });
      say(`running: ${cmd.display}`);
      await runCompose(cmd, { ...(signal ? { signal } : {}), onOutput: (l) => say(`  ${l}`) });
      const list = await conn.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${r.ref.project}`, `com.docker.compose.service=${r.ref.service}`] } });
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
      const made = await recreateWithMount(conn, move.container.id, { Type: 'volume', Source: move.volume, Target: path }, signal ? { signal } : {});
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
      for (const l of d.toString().split(/\r?\n/).filter((x) => x.trim())) {
        tail.push(l);
        if (tail.length > 10) tail.shift();
        say(`  ${l}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new MoveError(`${argv[0]} could not be run (${err.message}): is it installed?`)));
    child.on('close', (code) => (code === 0 ? resolveRun() : reject(new MoveError(`\`${argv.join(' ')}\` exited with ${code}: ${tail.slice(-3).join('; ')}`))));
  });
}
