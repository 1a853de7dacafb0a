// The cost of one browse request on a volume with the session's helper container reused (what the editor does)
// and with a helper made and removed per request (what withVolumeHelper does for one-shot operations). Prints
// medians; passes or fails nothing.
//
//   npx tsx scripts/bench/browse.ts [repeats]
//
// Needs a Docker Engine with persistence-test:latest. The volume it makes is labelled persistence-lens.bench=1
// and removed at the end.
import { randomBytes } from 'node:crypto';
import { openBrowseSession } from '../../src/browse';
import { connectDocker } from '../../src/sources/docker/client';

const repeats = Number(process.argv[2] ?? 15);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const conn = await connectDocker();
  const labels = { 'persistence-lens.bench': '1' };
  const volume = `pl-bench-browse-${randomBytes(3).toString('hex')}`;
  await conn.docker.createVolume({ Name: volume, Labels: labels });
  try {
    const filler = await conn.docker.createContainer({ Image: 'persistence-test:latest', Cmd: ['sh', '-c', 'mkdir -p /d/a && echo hello > /d/a/f && for i in $(seq 1 200); do echo $i > /d/a/n$i; done'], Labels: labels, HostConfig: { Binds: [`${volume}:/d`] } });
    await filler.start();
    await filler.wait();
    await filler.remove({ force: true });

    const reused: number[] = [];
    const s = await openBrowseSession({ kind: 'volume', volume }, { docker: conn, helperLabels: labels });
    const t0 = performance.now();
    await s.read('a/f'); // the first request makes the helper
    const first = performance.now() - t0;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await s.read(`a/n${i + 1}`);
      reused.push(performance.now() - t);
    }
    await s.close();

    const fresh: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      const one = await openBrowseSession({ kind: 'volume', volume }, { docker: conn, helperLabels: labels });
      await one.read(`a/n${i + 1}`);
      await one.close();
      fresh.push(performance.now() - t);
    }
    console.log(`browse a volume, one file read (${repeats} repeats, median):`);
    console.log(`  helper reused across the session: ${median(reused).toFixed(1)} ms per request (first request, making the helper: ${first.toFixed(0)} ms)`);
    console.log(`  helper made and removed per request: ${median(fresh).toFixed(1)} ms per request`);
    console.log(`  reuse saves ${(median(fresh) / median(reused)).toFixed(1)}x`);
  } finally {
    await conn.docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
