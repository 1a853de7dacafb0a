import type Dockerode from 'dockerode';
import type { ChangeEntry } from '../../core/changes';

/**
 * The engine's changes list of one container (`GET /containers/{id}/changes`, `docker diff`). The engine answers
 * `null` when the writable layer is empty (and for a container that was created but never started).
 */
export async function fetchChanges(container: Dockerode.Container): Promise<ChangeEntry[]> {
  const raw: unknown = await container.changes();
  return parseChanges(raw);
}

/** Keeps the well-formed entries of the engine's answer: `[{ Path, Kind }]` with Kind 0 modified, 1 added, 2 deleted. */
export function parseChanges(raw: unknown): ChangeEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: ChangeEntry[] = [];
  for (const c of raw) {
    const path = (c as { Path?: unknown } | null)?.Path;
    const kind = (c as { Kind?: unknown } | null)?.Kind;
    if (typeof path !== 'string' || !path.startsWith('/')) continue;
    if (kind !== 0 && kind !== 1 && kind !== 2) continue;
    out.push({ path, kind });
  }
  return out;
}
