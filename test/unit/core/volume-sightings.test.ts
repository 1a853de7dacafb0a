import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import type { TargetInput } from '../../../src/core/types';
import {
  describeSighting,
  emptySightings,
  parseSightings,
  sightingsOf,
  withSightings,
  type VolumeSighting,
} from '../../../src/core/volume-sightings';
import { readSightingsFile, recordSightings } from '../../../src/sources/state/sightings-file';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const sighting = (volume: string, seenAt: string, path = '/data'): VolumeSighting => ({ volume, path, container: 'c', seenAt });

describe('where anonymous volumes were last seen', () => {
  it('takes the volumes mounted exactly at a path of a container, with its compose names and what they serve', () => {
    const input: TargetInput = {
      kind: 'container',
      name: 'demo-cache-1',
      id: 'f'.repeat(64),
      image: 'redis:7',
      env: {},
      imageVolumes: [],
      rootStatus: 'writable-layer',
      labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'cache' },
      mounts: [
        { target: '/data', status: 'anonymous-volume', source: A, readOnly: false },
        { target: '/named', status: 'named-volume', source: 'kept', readOnly: false },
      ],
    };
    const found = sightingsOf({ targets: [analyzeTarget(input)] }, new Date('2026-12-04T10:00:00Z'));
    const common = {
      container: 'demo-cache-1',
      containerId: 'f'.repeat(64),
      image: 'redis:7',
      project: 'demo',
      service: 'cache',
      seenAt: '2026-12-04T10:00:00.000Z',
    };
    assert.deepEqual(
      found.sort((a, b) => a.path.localeCompare(b.path)),
      [
        { volume: A, path: '/data', ...common, criticality: 'critical', label: 'Redis data' },
        { volume: 'kept', path: '/named', ...common, criticality: 'medium' },
      ],
    );
    assert.equal(describeSighting(found[0]!), '/data of cache (project demo)');
    const fromFile = analyzeTarget({ ...input, kind: 'compose-service' });
    assert.deepEqual(sightingsOf({ targets: [fromFile] }), [], 'a config file mounts nothing');
  });

  it('keeps the newest sighting of each volume and drops the oldest volumes past the bound', () => {
    let r = withSightings(emptySightings(), [sighting(A, '2026-12-01T00:00:00Z', '/old')]);
    r = withSightings(r, [sighting(A, '2026-12-02T00:00:00Z', '/new'), sighting(B, '2026-11-01T00:00:00Z')]);
    assert.equal(r.volumes[A]!.path, '/new');
    r = withSightings(r, [sighting(A, '2026-11-30T00:00:00Z', '/older')]);
    assert.equal(r.volumes[A]!.path, '/new', 'an older sighting does not win');
    assert.deepEqual(Object.keys(withSightings(r, [], 1).volumes), [A], 'B was seen longest ago');
  });

  it('reads only well-formed sightings back', () => {
    const r = parseSightings({
      volumes: { [A]: sighting(A, '2026-12-01T00:00:00Z'), '../not a name': sighting('x', 'y'), [B]: { path: 3 } },
    });
    assert.deepEqual(Object.keys(r.volumes), [A]);
    assert.deepEqual(parseSightings(null), emptySightings());
  });

  it('keeps them in a 0600 file, merged, and treats a damaged file as empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-sightings-'));
    const file = join(dir, 'state', 'volume-sightings.json');
    await recordSightings(file, [sighting(A, '2026-12-01T00:00:00Z')]);
    await recordSightings(file, [sighting(B, '2026-12-02T00:00:00Z')]);
    assert.deepEqual(Object.keys((await readSightingsFile(file)).volumes).sort(), [A, B]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
    writeFileSync(file, '{ not json');
    assert.deepEqual(await readSightingsFile(file), emptySightings());
    await recordSightings(file, [sighting(A, '2026-12-03T00:00:00Z')]);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8')).volumes), [A], 'a damaged file is replaced');
  });
});
