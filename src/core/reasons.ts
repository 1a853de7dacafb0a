import type { Classification } from './mount-table';
import { EVENT_SHORT_NAMES, lostOn } from './survival';
import { LIFECYCLE_EVENTS, type Survival } from './types';

/**
 * The writable layer's sentence depends on nothing but what survives and whether the path is read-only: made
 * once per combination (a scan of 100 containers asks for it hundreds of times).
 */
const writableLayerSentences = new Map<number, string>();

function writableLayerSentence(survives: Survival, readOnly: boolean, ro: string): string {
  let key = readOnly ? 1 : 0;
  for (const e of LIFECYCLE_EVENTS) key = key * 2 + (survives[e] ? 1 : 0);
  let sentence = writableLayerSentences.get(key);
  if (sentence === undefined) {
    sentence = `No volume covers this path: it lives in the container's writable layer and is lost when the container is removed or recreated (${lostOn(
      survives,
    )
      .map((e) => EVENT_SHORT_NAMES[e])
      .join(', ')}).${ro}`;
    writableLayerSentences.set(key, sentence);
  }
  return sentence;
}

/** One sentence a user understands: where the path's bytes live and what destroys them. */
export function explain(path: string, c: Classification): string {
  const m = c.mount;
  const ro = c.readOnly ? ' It is mounted read-only: writes there fail, nothing written can be lost.' : '';
  const under = m && m.target !== path ? ` (mounted at ${m.target})` : '';
  switch (c.status) {
    case 'named-volume':
      return m?.external
        ? `Kept in the external named volume "${m.source ?? '?'}"${under}: it survives restarts, recreation and compose down -v; only removing the volume itself loses it.${ro}`
        : `Kept in the named volume "${m?.source ?? '?'}"${under}: it survives restarts and recreation; it is lost only when the volume is removed (docker volume rm, compose down -v).${ro}`;
    case 'anonymous-volume':
      return `Kept in an anonymous volume${under}: it survives restarts and compose up, but a recreated container (docker rm + run, compose down + up, a rebuild) gets a new empty volume and the old one is orphaned.${ro}`;
    case 'bind-mount':
      if (m?.hostOnTmpfs)
        return `Bound from the host folder ${m.source ?? '?'}${under}, which is itself on a tmpfs: container lifecycle does not touch it, but a host reboot empties it.${ro}`;
      if (!m) return `On the host's own disk: no container lifecycle touches it.${ro}`;
      return `Bound from the host folder ${m.source ?? '?'}${under}: the host owns it, so no container lifecycle event removes it.${ro}`;
    case 'tmpfs':
      return `In memory (tmpfs${under ? `, ${under.slice(2, -1)}` : ''}): it is wiped on every stop, restart and reboot.${ro}`;
    case 'writable-layer':
      return writableLayerSentence(c.survives, c.readOnly, ro);
  }
}
