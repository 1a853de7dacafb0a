import { parseArgs } from 'node:util';
import { formatBytes } from '../../core/bytes';
import type { VolumeReport } from '../../core/volume-inventory';
import { holdsText, prunePlan, shortVolumeName } from '../../core/volume-removal';
import { describeSighting, sightingsOf } from '../../core/volume-sightings';
import { recoverVolume } from '../../move/recover';
import { gatherVolumes, scan } from '../../scan';
import { connectDocker, type DockerConnection } from '../../sources/docker/client';
import { findOrphanedVolumes } from '../../sources/docker/orphans';
import { applySizes, removeVolume, volumeSizes } from '../../sources/docker/volumes';
import { defaultSightingsFile, readSightingsFile, recordSightings } from '../../sources/state/sightings-file';
import { InputError } from '../../core/types';
import { middleEllipsis, OUTPUT_WIDTH } from '../../report/format';
import { paint, table } from '../../report/style';
import type { Output } from '../output';
import { UsageError } from '../usage';

/**
 * `orphans [--host URL] [--json]`: the anonymous volumes no container uses any more, each with the container and
 * path it last belonged to. The engine's containers are scanned first, so every anonymous volume mounted now is
 * remembered (in `$XDG_STATE_HOME/persistence-lens/volume-sightings.json`) for the day it is orphaned.
 */
export async function orphansCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { host: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError(`orphans takes no positional arguments (got "${positionals[0]}")`);
  const file = defaultSightingsFile();
  const seen = await scan({ docker: true, ...(values.host ? { dockerHost: values.host } : {}) });
  await recordSightings(file, sightingsOf(seen));
  const conn = await connectDocker(values.host ? { host: values.host } : {});
  const orphans = await findOrphanedVolumes(conn, await readSightingsFile(file));
  if (values.json) {
    io.out(`${JSON.stringify({ orphans }, null, 2)}\n`);
    return 0;
  }
  if (orphans.length === 0) {
    io.out(paint(io.color, 'green', 'No orphaned anonymous volume: every anonymous volume is mounted by a container.\n'));
    return 0;
  }
  const rows = orphans.map((o) => [
    o.name.slice(0, 12),
    o.lastSeen ? `was ${describeSighting(o.lastSeen)}` : 'never seen mounted by a scan',
    (o.lastSeen?.seenAt ?? o.createdAt ?? '').slice(0, 16).replace('T', ' '),
  ]);
  const lines = table(rows.map((r) => [r[0]!, middleEllipsis(r[1]!, OUTPUT_WIDTH - 34), r[2]!]));
  io.out(
    [
      paint(io.color, 'bold', `${orphans.length} anonymous volume${orphans.length === 1 ? '' : 's'} used by no container (last seen):`),
      ...lines.map((cells) => `  ${cells.join('')}`),
      '',
      paint(io.color, 'gray', 'Keep one under a name: persistence-lens recover ID --into NAME   (docker volume rm ID removes one)'),
      '',
    ].join('\n'),
  );
  return 0;
}

/** `recover VOLUME --into NAME [--host URL]`: copies a volume (a 12-hex prefix will do) into a named volume, verified. */
export async function recoverCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { into: { type: 'string' }, host: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('recover takes one volume: recover VOLUME --into NAME');
  if (!values.into) throw new UsageError('recover needs --into NAME, the named volume to copy into');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(values.into))
    throw new UsageError(`"${values.into}" is not a volume name Docker accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  const conn = await connectDocker(values.host ? { host: values.host } : {});
  const volume = await resolveVolume(conn, positionals[0]!);
  const r = await recoverVolume({ volume, into: { name: values.into, labels: {}, declaredBy: 'plain' } }, { docker: conn });
  io.err(
    `recovered ${r.files} files (${formatBytes(r.bytes)}) from volume ${volume.slice(0, 12)} into "${r.into}", verified; ${volume.slice(0, 12)} is unchanged\n`,
  );
  return 0;
}

/** A volume by its name or a unique prefix of an anonymous volume's 64-hex name (as `docker volume ls` shows them). */
async function resolveVolume(conn: Awaited<ReturnType<typeof connectDocker>>, given: string): Promise<string> {
  const names = ((await conn.docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
  if (names.includes(given)) return given;
  const matches = /^[0-9a-f]{4,63}$/.test(given) ? names.filter((n) => /^[0-9a-f]{64}$/.test(n) && n.startsWith(given)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new InputError(
      `"${given}" names ${matches.length} volumes (${matches.map((m) => m.slice(0, 16)).join(', ')}): give more of the id`,
    );
  throw new InputError(`there is no volume "${given}" on ${conn.endpoint.description}`);
}

/**
 * `volumes [--host URL] [--json] [--size] [--label K=V]... [--prune [--yes]]`: every volume of the engine with the
 * containers and paths that use it, its compose project and key, whether `compose down -v` removes it, how
 * critical the data it serves is, and for one no container uses, where it was last seen. `--prune` removes unused
 * volumes that serve nothing of criticality high or more (a dry run without `--yes`); the others are named, with
 * how to keep them. `--label` limits everything to the volumes carrying those labels.
 */
export async function volumesCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      json: { type: 'boolean' },
      size: { type: 'boolean' },
      prune: { type: 'boolean' },
      yes: { type: 'boolean' },
      label: { type: 'string', multiple: true },
    },
  });
  if (positionals.length > 0) throw new UsageError(`volumes takes no positional arguments (got "${positionals[0]}")`);
  if (values.yes && !values.prune) throw new UsageError('--yes goes with --prune');
  const labels: Record<string, string> = {};
  for (const l of values.label ?? []) {
    const m = /^([^=\s]+)=(.*)$/.exec(l);
    if (!m) throw new UsageError(`--label takes KEY=VALUE (got "${l}")`);
    labels[m[1]!] = m[2]!;
  }
  const file = defaultSightingsFile();
  const { volumes: inventory, conn } = await gatherVolumes({
    ...(values.host ? { host: values.host } : {}),
    labels,
    remember: async (seen) => {
      await recordSightings(file, seen);
      return (await readSightingsFile(file)).volumes;
    },
  });
  let sizesMs: number | undefined;
  if (values.size) {
    // /system/df walks every volume on the engine's disk: asked only on demand
    const measured = await volumeSizes(conn);
    sizesMs = measured.ms;
    applySizes(inventory, measured.sizes);
  }
  if (values.prune) return prune(conn, inventory, !!values.yes, !!values.json, io);
  if (values.json) {
    io.out(`${JSON.stringify({ volumes: inventory, ...(sizesMs !== undefined ? { sizesMs } : {}) }, null, 2)}\n`);
    return 0;
  }
  const rows = [
    ['VOLUME', 'USED BY', 'PROJECT', 'DOWN -V', 'DATA', ...(values.size ? ['SIZE'] : [])],
    ...inventory.map((v) => [
      shortVolumeName(v.name),
      usedBy(v),
      v.project ? `${v.project}${v.key ? `/${v.key}` : ''}` : '',
      v.removedByDownV ? 'removes it' : 'keeps it',
      v.criticality ? `${v.criticality}${v.serves.length ? ` (${v.serves.join(', ')})` : ''}` : '',
      ...(values.size ? [v.size !== undefined ? formatBytes(v.size) : '?'] : []),
    ]),
  ];
  const fitted = rows.map((r) => r.map((c, i) => (i === 1 ? middleEllipsis(c, 60) : i === 4 ? middleEllipsis(c, 30) : c)));
  table(fitted).forEach((cells, i) => io.out(`${i === 0 ? paint(io.color, 'bold', cells.join('')) : cells.join('')}\n`));
  const unused = inventory.filter((v) => v.users.length === 0).length;
  io.out(
    `\n${inventory.length} volume${inventory.length === 1 ? '' : 's'}, ${unused} used by no container${sizesMs !== undefined ? `; sizes from the engine in ${sizesMs} ms` : ''}\n`,
  );
  return 0;
}

function usedBy(v: VolumeReport): string {
  if (v.users.length > 0)
    return v.users.map((u) => `${u.container}:${u.path}${u.state && u.state !== 'running' ? ` (${u.state})` : ''}`).join(', ');
  return v.lastSeen ? `none (was ${describeSighting(v.lastSeen)})` : 'none';
}

async function prune(conn: DockerConnection, inventory: VolumeReport[], yes: boolean, json: boolean, io: Output): Promise<number> {
  const plan = prunePlan(inventory);
  const removed: string[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  if (yes) {
    for (const v of plan.remove) {
      try {
        await removeVolume(conn, v.name);
        removed.push(v.name);
      } catch (err) {
        failed.push({ name: v.name, error: (err as Error).message });
      }
    }
  }
  if (json) {
    io.out(
      `${JSON.stringify({ dryRun: !yes, removable: plan.remove.map((v) => v.name), removed, failed, kept: plan.ask.map((v) => ({ name: v.name, criticality: v.criticality, serves: v.serves })) }, null, 2)}\n`,
    );
    return failed.length ? 1 : 0;
  }
  if (!yes)
    io.out(
      `${plan.remove.length} unused volume${plan.remove.length === 1 ? '' : 's'} would be removed (pass --yes to remove ${plan.remove.length === 1 ? 'it' : 'them'}): ${plan.remove.map((v) => shortVolumeName(v.name)).join(', ') || 'none'}\n`,
    );
  else
    io.out(
      `Removed ${removed.length} unused volume${removed.length === 1 ? '' : 's'}${removed.length ? `: ${removed.map(shortVolumeName).join(', ')}` : ''}\n`,
    );
  for (const f of failed) io.err(`could not remove ${f.name}: ${f.error}\n`);
  for (const v of plan.ask) {
    io.out(
      `Kept ${shortVolumeName(v.name)}: it holds ${holdsText(v)}. Back it up (persistence-lens backup --volume ${v.name})${v.anonymous ? ` or recover it (persistence-lens recover ${v.name.slice(0, 12)} --into NAME)` : ''}, then docker volume rm ${v.name} if it is not needed.\n`,
    );
  }
  return failed.length ? 1 : 0;
}
