import type { Criticality, ScanResult } from './types';

/**
 * Where each anonymous volume was last seen mounted. An anonymous volume carries no name a person knows and,
 * once its container is recreated, nothing on the engine says what it held: only a record made while it was
 * still mounted can say "this was /data of cache in project demo". Pure: the caller keeps the record.
 */
export interface VolumeSighting {
  /** The volume's name (64 hex digits). */
  volume: string;
  /** The path it was mounted at. */
  path: string;
  container: string;
  containerId?: string;
  image?: string;
  project?: string;
  service?: string;
  /** ISO time of the last scan that saw it mounted. */
  seenAt: string;
  /** How much the data at that path matters, and what it is, as that scan rated it. */
  criticality?: Criticality;
  label?: string;
}

export interface SightingRecord {
  version: 1;
  volumes: Record<string, VolumeSighting>;
}

/** Kept per record at the most: the oldest sightings go first (a volume long gone is long pruned). */
export const MAX_SIGHTINGS = 2000;

/** A volume name Docker accepts: anonymous (64 hex digits) or named. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const CRITICALITIES = new Set(['critical', 'high', 'medium', 'low', 'none']);

export function emptySightings(): SightingRecord {
  return { version: 1, volumes: {} };
}

/** The volumes a scan saw mounted in containers (anonymous and named), with where and what they serve. */
export function sightingsOf(scan: Pick<ScanResult, 'targets'>, now: Date = new Date()): VolumeSighting[] {
  const out: VolumeSighting[] = [];
  for (const t of scan.targets) {
    if (t.kind !== 'container' && t.kind !== 'self') continue;
    for (const p of t.paths) {
      if (
        (p.status !== 'anonymous-volume' && p.status !== 'named-volume') ||
        !p.source ||
        !VOLUME_NAME.test(p.source) ||
        p.mountPoint !== p.path
      )
        continue;
      const project = t.labels?.['com.docker.compose.project'];
      const service = t.labels?.['com.docker.compose.service'];
      out.push({
        volume: p.source,
        path: p.path,
        container: t.name,
        ...(t.id ? { containerId: t.id } : {}),
        ...(t.image ? { image: t.image } : {}),
        ...(project ? { project } : {}),
        ...(service ? { service } : {}),
        seenAt: now.toISOString(),
        criticality: p.criticality,
        ...(p.label ? { label: p.label } : {}),
      });
    }
  }
  return out;
}

/** The record with these sightings in (the newest sighting of a volume wins), bounded to `max` volumes. */
export function withSightings(record: SightingRecord, sightings: readonly VolumeSighting[], max = MAX_SIGHTINGS): SightingRecord {
  const volumes = { ...record.volumes };
  for (const s of sightings) {
    const known = volumes[s.volume];
    if (!known || known.seenAt <= s.seenAt) volumes[s.volume] = s;
  }
  const names = Object.keys(volumes);
  if (names.length > max) {
    names.sort((a, b) => (volumes[a]!.seenAt < volumes[b]!.seenAt ? -1 : 1));
    for (const n of names.slice(0, names.length - max)) delete volumes[n];
  }
  return { version: 1, volumes };
}

/** A record read from anywhere (a file, the editor's state): what is not a valid sighting is dropped. */
export function parseSightings(value: unknown): SightingRecord {
  const record = emptySightings();
  const volumes = (value as { volumes?: unknown } | null)?.volumes;
  if (!volumes || typeof volumes !== 'object') return record;
  for (const [name, s] of Object.entries(volumes as Record<string, unknown>)) {
    const v = s as Partial<VolumeSighting> | null;
    if (!VOLUME_NAME.test(name) || !v || typeof v.path !== 'string' || typeof v.container !== 'string' || typeof v.seenAt !== 'string')
      continue;
    record.volumes[name] = {
      volume: name,
      path: v.path,
      container: v.container,
      seenAt: v.seenAt,
      ...(typeof v.containerId === 'string' ? { containerId: v.containerId } : {}),
      ...(typeof v.image === 'string' ? { image: v.image } : {}),
      ...(typeof v.project === 'string' ? { project: v.project } : {}),
      ...(typeof v.service === 'string' ? { service: v.service } : {}),
      ...(typeof v.criticality === 'string' && CRITICALITIES.has(v.criticality) ? { criticality: v.criticality } : {}),
      ...(typeof v.label === 'string' ? { label: v.label } : {}),
    };
  }
  return record;
}

/** "/data of cache (project demo)", "/srv/anon of web". */
export function describeSighting(s: VolumeSighting): string {
  const who = s.service ?? s.container;
  return `${s.path} of ${who}${s.project ? ` (project ${s.project})` : ''}`;
}
