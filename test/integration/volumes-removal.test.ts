/**
 * The Volumes view's engine side on a real engine with many volumes: the inventory (a stopped container's volume,
 * an orphaned anonymous volume with where it was, 55 unused ones), a removal refused for a volume in use, a prune
 * plan that removes only the unused volumes holding nothing that matters and asks for the rest, and the CLI's
 * `volumes --prune --yes` doing the same. Everything is limited to this run's label: the engine is shared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { prunePlan } from '../../src/core/volume-removal';
import { withSightings, emptySightings, type SightingRecord } from '../../src/core/volume-sightings';
import { gatherVolumes } from '../../src/scan';
import { removeVolume, VolumeInUseError } from '../../src/sources/docker/volumes';
import { capture } from '../unit/helpers/cli';
import { RUN_LABEL, TEST_LABEL, TestResources, docker, watchUnhandledRejections } from './helpers/docker';

const SPARE = 55;

describe('volumes on a real engine: removal and prune keep data', () => {
  const res = new TestResources();
  const rejections = watchUnhandledRejections();
  const scope = { [RUN_LABEL]: res.runId };
  let record: SightingRecord = emptySightings();
  const remember = async (seen: Parameters<typeof withSightings>[1]) => (record = withSightings(record, seen)).volumes;
  const stopped = res.name('pl-volrm-stopped');
  const stoppedVol = res.name('pl-volrm-pg');
  const owner = res.name('pl-volrm-owner');
  const spares: string[] = [];
  let anon = '';
  let savedState: string | undefined;

  before(async () => {
    savedState = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = res.tempDir('pl-state-');
    for (let i = 0; i < SPARE; i += 11) {
      await Promise.all(
        Array.from({ length: Math.min(11, SPARE - i) }, (_, j) => {
          const name = res.name(`pl-volrm-spare${i + j}`);
          spares.push(name);
          return res.createVolume(name);
        }),
      );
    }
    await res.createVolume(stoppedVol);
    await res.run(stopped, ['-v', `${stoppedVol}:/var/lib/postgresql/data`]);
    await docker('stop', '-t', '1', stopped);
    // an anonymous volume carrying this run's labels (so the scoped prune sees it), orphaned below
    const labels = `volume-label=${TEST_LABEL}=1,volume-label=${RUN_LABEL}=${res.runId}`;
    await res.run(owner, ['--mount', `type=volume,dst=/var/lib/app,${labels}`]);
    await docker('exec', owner, 'sh', '-c', 'echo state > /var/lib/app/db');
    [anon] = await res.trackVolumesOf(owner, { anonymousOnly: true });
    assert.match(anon, /^[0-9a-f]{64}$/);
    await gatherVolumes({ labels: scope, remember }); // sees it mounted, and remembers where
    const cli = capture(); // and so does the CLI, which keeps its own record
    assert.equal(await runCli(['volumes', '--json', '--label', `${RUN_LABEL}=${res.runId}`], cli.io), 0, cli.err.join(''));
    await docker('rm', '-f', owner); // without -v: orphaned
  });

  after(async () => {
    if (savedState === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = savedState;
    await res.cleanup();
    assert.deepEqual(rejections.stop(), []);
  });

  it('the inventory: the stopped container, the orphan with where it was, every spare volume', async () => {
    const { volumes } = await gatherVolumes({ labels: scope, remember });
    assert.equal(volumes.length, SPARE + 2);
    const pg = volumes.find((v) => v.name === stoppedVol)!;
    assert.deepEqual(
      pg.users.map((u) => [u.container, u.path, u.state]),
      [[stopped, '/var/lib/postgresql/data', 'exited']],
    );
    const orphan = volumes.find((v) => v.name === anon)!;
    assert.equal(orphan.users.length, 0);
    assert.equal(orphan.lastSeen?.path, '/var/lib/app');
    assert.equal(orphan.lastSeen?.container, owner);
    assert.equal(orphan.criticality, 'high');
  });

  it('removal refuses a volume a stopped container mounts, naming it', async () => {
    const { conn } = await gatherVolumes({ labels: scope, remember });
    await assert.rejects(
      removeVolume(conn, stoppedVol),
      (err: Error) => err instanceof VolumeInUseError && err.message.includes(`${stopped}:/var/lib/postgresql/data (exited)`),
    );
    assert.ok((await docker('volume', 'ls', '-q')).split('\n').includes(stoppedVol));
  });

  it('the prune plan removes the unused spare volumes and asks about the orphan that held data', async () => {
    const plan = prunePlan((await gatherVolumes({ labels: scope, remember })).volumes);
    assert.deepEqual(plan.remove.map((v) => v.name).sort(), [...spares].sort());
    assert.deepEqual(
      plan.ask.map((v) => v.name),
      [anon],
    );
    assert.equal(plan.inUse, 1);
  });

  it('volumes --prune --yes: the spare volumes go, the orphan and the stopped container’s volume stay', async () => {
    const out = capture();
    assert.equal(
      await runCli(['volumes', '--prune', '--yes', '--json', '--label', `${RUN_LABEL}=${res.runId}`], out.io),
      0,
      out.err.join(''),
    );
    const r = JSON.parse(out.out.join('')) as { removed: string[]; kept: Array<{ name: string }>; dryRun: boolean };
    assert.equal(r.dryRun, false);
    assert.deepEqual([...r.removed].sort(), [...spares].sort());
    const left = new Set((await docker('volume', 'ls', '-q')).split('\n'));
    for (const s of spares) assert.ok(!left.has(s), `${s} removed`);
    assert.ok(left.has(anon) && left.has(stoppedVol));
  });
});
