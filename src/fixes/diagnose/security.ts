/**
 * Mounts that are a security risk rather than a persistence one: the host's SSH keys or the Docker socket
 * bound into the container. Information, not warnings: both are often deliberate (an agent that pushes, a
 * CI runner that builds), but whoever reads the file should know what the container can reach.
 */
import type { Mount, SourceLocation } from '../../core/types';
import type { FindingCode } from './types';

export interface SecurityHint {
  code: Extract<FindingCode, 'host-ssh-bound' | 'docker-socket-bound'>;
  at: SourceLocation;
  message: string;
}

const SOCKET = /(^|[\\/])(docker|podman)\.sock$/;

function segments(path: string): string[] {
  return path.split(/[\\/]+/).filter(Boolean);
}

export function securityHint(mount: Mount): Omit<SecurityHint, 'at'> | undefined {
  if (mount.status !== 'bind-mount' || !mount.source) return undefined;
  const source = mount.source;
  if (SOCKET.test(source) || SOCKET.test(mount.target)) {
    return {
      code: 'docker-socket-bound',
      // A read-only bind of a socket still lets the container connect and send any request.
      message: `The Docker socket ${source} is bound into the container at ${mount.target}: whatever runs there controls the host's Docker Engine, which amounts to root on the host (read-only does not change that).`,
    };
  }
  if (segments(source).includes('.ssh')) {
    return {
      code: 'host-ssh-bound',
      message: `The host's SSH keys (${source}) are bound into the container at ${mount.target}: every process in it can read them${mount.readOnly ? '' : ' and change them'}. SSH agent forwarding or a key made for this container exposes less.`,
    };
  }
  return undefined;
}

/** The hints for the mounts declared in `file`, once per declaration (`volumes_from` shows a mount twice). */
export function securityHints(mounts: readonly Mount[], file: string, seen: Set<string>): SecurityHint[] {
  const out: SecurityHint[] = [];
  for (const m of mounts) {
    const at = m.declaredAt;
    if (!at || at.file !== file) continue;
    const key = `${at.line}:${at.column}`;
    if (seen.has(key)) continue;
    const hint = securityHint(m);
    if (!hint) continue;
    seen.add(key);
    out.push({ ...hint, at });
  }
  return out;
}
