import { parseArgs } from 'node:util';
import { podLostOn } from '../../core/pod-survival';
import { EVENT_SHORT_NAMES, lostOn } from '../../core/survival';
import { LiveMountTable } from '../../sources/self';
import { paint, table } from '../../report/style';
import type { Output } from '../output';
import { UsageError } from '../usage';

export async function whereCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { mountinfo: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('where needs at least one PATH');
  const mounts = LiveMountTable.load(values.mountinfo);
  const results = positionals.map((p) => mounts.where(p));
  if (values.json) {
    const json = results.map((r) => ({
      path: r.resolvedPath,
      status: r.status,
      mountPoint: r.mountPoint ?? '/',
      ...(r.source !== undefined ? { source: r.source } : {}),
      readOnly: r.readOnly,
      survives: r.survives,
      // in a pod, the pod table itself (the keys scan --kubernetes uses)
      ...(r.pod ? { pod: r.pod } : {}),
    }));
    io.out(JSON.stringify(json, null, 2) + '\n');
    return 0;
  }
  const rows = results.map((r) => {
    const lost = r.pod ? podLostOn(r.pod.survives) : lostOn(r.survives).map((e) => EVENT_SHORT_NAMES[e]);
    const status = r.pod ? `${r.pod.status}${r.pod.lifecycleUnknown ? " (lifecycle unknown: check the pod's spec)" : ''}` : r.status;
    return [
      r.resolvedPath,
      r.source ? `${status} ${r.source}` : status,
      `on ${r.mountPoint ?? '/'}`,
      r.readOnly ? 'read-only' : lost.length ? `lost on ${lost.join(', ')}` : 'survives everything',
    ];
  });
  table(rows).forEach((cells, i) => {
    const r = results[i]!;
    const atRisk = !r.readOnly && !r.survives.recreate;
    io.out(paint(io.color, atRisk ? 'red' : 'green', cells.join('')) + '\n');
  });
  return 0;
}
