import { basename } from 'node:path';
import type { MoveOffer } from '../../backend';
import { backend } from '../backend';
import { canMove } from '../paths/persist-policy';
import { dockerHost } from '../settings';

/** How long an answer is kept: the lightbulb asks on every cursor move, a container's state changes rarely. */
const KEEP_MS = 15_000;
/** The lightbulb does not wait longer than this for Docker: no answer in time, no move offered this time. */
const WAIT_MS = 1_500;

/**
 * Whether a quick fix can offer to move a path's data: a container runs from the file and the path holds data
 * there (the backend's moveOffer, cached briefly). Any failure (no Docker) is "no".
 */
export class MoveOffers {
  private readonly cache = new Map<string, { at: number; offer: Promise<MoveOffer | undefined> }>();

  async movable(file: string, service: string | undefined, path: string): Promise<boolean> {
    const key = `${file}\n${service ?? ''}\n${path}`;
    let hit = this.cache.get(key);
    if (!hit || Date.now() - hit.at > KEEP_MS) {
      const host = dockerHost();
      const offer = backend()
        .moveOffer({ file, path, ...(service && !isJson(file) ? { service } : {}) }, host ? { host } : {})
        .catch(() => undefined);
      hit = { at: Date.now(), offer };
      this.cache.set(key, hit);
    }
    const offer = await Promise.race([hit.offer, new Promise<undefined>((r) => void setTimeout(() => r(undefined), WAIT_MS))]);
    return offer !== undefined && canMove({ path, file, offer });
  }
}

/** A devcontainer.json (its finding's "service" is the dev container's name, not a compose service). */
function isJson(file: string): boolean {
  return /\.jsonc?$/i.test(basename(file));
}
