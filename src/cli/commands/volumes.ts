import { parseArgs } from 'node:util';
import { formatBytes } from '../../core/bytes';
import { describeSighting, sightingsOf } from '../../core/volume-sightings';
import { recoverVolume } from '../../move/recover';
import { scan } from '../../sources/collect';
import { connectDocker } from '../../sources/docker/client';
import { findOrphanedVolumes } from '../../sources/docker/orphans';
import { defaultSightingsFile, readSightingsFile, recordSightings } from '../../sources/state/sightings-file';
import { InputError } from '../../core/types';
import { middleEllipsis, OUTPUT_WIDTH } from '../format';
import { paint, table, type Output } from '../output';
import { UsageError } from '../usage';

/**
 * `orphans [--host URL] [--json]`: the anonymous volumes no container uses any more, each with the container and
 * path it last belonged to. The engine's containers are scanned first, so every anonymous volume mounted now is
 * remembered (in `$XDG_STATE_HOME/persistence-lens/volume-sightings.json`) for the day it is orphaned.
 */
export async function orphansCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { host: { type: 'string' }, json: { type: 'boolean' } } });
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
  const rows = orphans.map((o) => [o.name.slice(0, 12), o.lastSeen ? `was ${describeSighting(o.lastSeen)}` : 'never seen mounted by a scan', (o.lastSeen?.seenAt ?? o.createdAt ?? '').slice(0, 16).replace('T', ' ')]);
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
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { into: { type: 'string' }, host: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('recover takes one volume: recover VOLUME --into NAME');
  if (!values.into) throw new UsageError('recover needs --into NAME, the named volume to copy into');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(values.into)) throw new UsageError(`"${values.into}" is not a volume name Docker accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  const conn = await connectDocker(values.host ? { host: values.host } : {});
  const volume = await resolveVolume(conn, positionals[0]!);
  const r = await recoverVolume({ volume, into: { name: values.into, labels: {}, declaredBy: 'plain' } }, { docker: conn });
  io.err(`recovered ${r.files} files (${formatBytes(r.bytes)}) from volume ${volume.slice(0, 12)} into "${r.into}", verified; ${volume.slice(0, 12)} is unchanged\n`);
  return 0;
}

/** A volume by its name or a unique prefix of an anonymous volume's 64-hex name (as `docker volume ls` shows them). */
async function resolveVolume(conn: Awaited<ReturnType<typeof connectDocker>>, given: string): Promise<string> {
  const names = ((await conn.docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
  if (names.includes(given)) return given;
  const matches = /^[0-9a-f]{4,63}$/.test(given) ? names.filter((n) => /^[0-9a-f]{64}$/.test(n) && n.startsWith(given)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new InputError(`"${given}" names ${matches.length} volumes (${matches.map((m) => m.slice(0, 16)).join(', ')}): give more of the id`);
  throw new InputError(`there is no volume "${given}" on ${conn.endpoint.description}`);
}
