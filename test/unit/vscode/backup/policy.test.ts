/**
 * The editor's backup decisions that need no editor (src/vscode/backup/policy.ts): settings as the engine
 * takes them, which archives a restore offers and in what order (over a real backup folder the engine
 * wrote, with an archive made by `tar czf`, a damaged one and one with a broken manifest), how to reveal.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup, listBackups, manifestPathFor, type BackupListing } from '../../../../src/backup';
import {
  DEFAULT_KEEP,
  expandHome,
  fitsTarget,
  normalizeSettings,
  restoreCandidates,
  revealStrategy,
} from '../../../../src/vscode/backup/policy';

const home = '/home/me';

describe('normalizeSettings', () => {
  it("the defaults: the engine's folder, keep 5, no schedule, the default Docker host", () => {
    assert.deepEqual(normalizeSettings({ folder: '', keep: 5, scheduleHours: 0, scheduledSources: [], dockerHost: '' }, home), {
      keep: 5,
      scheduleHours: 0,
      scheduled: [],
    });
    assert.deepEqual(normalizeSettings({}, home), { keep: DEFAULT_KEEP, scheduleHours: 0, scheduled: [] });
  });

  it('a folder in the home folder, absolute or relative; a Docker host as written', () => {
    assert.equal(normalizeSettings({ folder: '~/backups' }, home).outDir, '/home/me/backups');
    assert.equal(normalizeSettings({ folder: ' /srv/b/../backups ' }, home).outDir, '/srv/backups');
    assert.equal(normalizeSettings({ folder: 'b' }, home).outDir, '/home/me/b');
    assert.equal(normalizeSettings({ dockerHost: ' tcp://h:2375 ' }, home).host, 'tcp://h:2375');
    assert.equal(expandHome('~', home), home);
  });

  it('a keep outside the schema is the default, never something that deletes more', () => {
    for (const keep of [0, -1, Number.NaN, Infinity, '3', null, undefined])
      assert.equal(normalizeSettings({ keep }, home).keep, DEFAULT_KEEP, String(keep));
    assert.equal(normalizeSettings({ keep: 1 }, home).keep, 1);
    assert.equal(normalizeSettings({ keep: 7.9 }, home).keep, 7);
  });

  it('the schedule: a positive interval, sources parsed one by one (a bad one does not hide the good ones)', () => {
    const s = normalizeSettings({ scheduleHours: 6, scheduledSources: ['volume:pg', 'nonsense', '', 7, 'path:~/notes'] }, home);
    assert.equal(s.scheduleHours, 6);
    assert.deepEqual(
      s.scheduled.map((x) => [x.spec, x.source.ok]),
      [
        ['volume:pg', true],
        ['nonsense', false],
        ['path:~/notes', true],
      ],
    );
    for (const h of [-1, '6', Number.NaN]) assert.equal(normalizeSettings({ scheduleHours: h }, home).scheduleHours, 0, String(h));
  });
});

describe('restoreCandidates, over a backup folder the engine wrote', () => {
  const work = mkdtempSync(join(tmpdir(), 'pl-vsbackup-policy-'));
  const out = join(work, 'backups');
  const alpha = join(work, 'alpha');
  const beta = join(work, 'beta');
  let listings: BackupListing[];
  after(() => rmSync(work, { recursive: true, force: true }));

  before(async () => {
    for (const d of [alpha, beta]) {
      mkdirSync(d);
      writeFileSync(join(d, 'f.txt'), `${d}\n`);
    }
    const opts = { outDir: out, insideContainer: false, keep: 0 };
    let t = Date.parse('2026-01-01T10:00:00Z');
    const at = () => new Date((t += 60_000));
    await backup({ kind: 'local', path: alpha }, { ...opts, now: at });
    await backup({ kind: 'local', path: beta }, { ...opts, now: at });
    const damaged = await backup({ kind: 'local', path: alpha }, { ...opts, now: at });
    appendFileSync(damaged.archive, 'x'); // its size no longer matches the manifest
    await backup({ kind: 'local', path: beta }, { ...opts, now: at });
    const unreadable = await backup({ kind: 'local', path: beta }, { ...opts, now: at });
    writeFileSync(manifestPathFor(unreadable.archive), '{ not json');
    // Without a manifest its date is its mtime: set, so the order below does not depend on today's date.
    const written = new Date(Date.parse('2026-01-01T10:06:00Z'));
    utimesSync(unreadable.archive, written, written);
    // The usual one-liner: no manifest.
    execFileSync('tar', ['czf', join(out, 'by-hand.tar.gz'), '-C', alpha, '.']);
    // Its date is its mtime: after every backup above.
    const later = new Date(Date.parse('2026-01-01T11:00:00Z'));
    utimesSync(join(out, 'by-hand.tar.gz'), later, later);
    listings = await listBackups(out);
    assert.deepEqual(listings.map((l) => l.status).sort(), ['invalid-manifest', 'mismatch', 'no-manifest', 'ok', 'ok', 'ok']);
  });

  it('backups of the same place first, newest first, damaged ones last; then the others', () => {
    const c = restoreCandidates(listings, { kind: 'local', path: beta });
    const describe = (l: BackupListing) =>
      `${/local-beta-/.test(l.archive) ? 'beta' : /local-alpha-/.test(l.archive) ? 'alpha' : 'hand'}:${l.status}`;
    // The one with the broken manifest is a backup of beta, but nothing vouches for that: it is not ranked as beta's.
    assert.deepEqual(c.map(describe), ['beta:ok', 'beta:ok', 'hand:no-manifest', 'alpha:ok', 'beta:invalid-manifest', 'alpha:mismatch']);
    assert.equal(c.length, listings.length, 'nothing that fits is hidden');
  });

  it('a newer backup of the same source comes before an older one', () => {
    const c = restoreCandidates(listings, { kind: 'local', path: beta }).filter(
      (l) => l.manifest?.source.name === beta && l.status === 'ok',
    );
    assert.ok(c[0]!.createdAt > c[1]!.createdAt);
  });

  it('rescue archives go only into a container, other archives only elsewhere', () => {
    const content = listings.find((l) => l.status === 'ok')!;
    const rescue: BackupListing = {
      ...content,
      manifest: {
        ...content.manifest!,
        layout: 'root',
        source: { kind: 'rescue', name: 'web', container: 'web', containerId: 'abcdef0123456789' },
      },
    };
    assert.ok(fitsTarget(content, { kind: 'volume', volume: 'v' }));
    assert.ok(!fitsTarget(content, { kind: 'container', container: 'web' }));
    assert.ok(fitsTarget(rescue, { kind: 'container', container: 'web' }));
    assert.ok(!fitsTarget(rescue, { kind: 'local', path: '/x' }));
    const forWeb = restoreCandidates([content, rescue], { kind: 'container', container: 'abcdef012345' });
    assert.deepEqual(forWeb, [rescue]);
    assert.deepEqual(restoreCandidates([content, rescue]), [content, rescue], "with no target, everything, in the listing's order");
  });
});

describe('revealStrategy', () => {
  it('the OS file manager only on a local desktop; the Explorer for the workspace; else the manifest, else the path', () => {
    assert.equal(revealStrategy({ desktopLocal: true, inWorkspace: true, hasManifest: true }), 'os');
    assert.equal(revealStrategy({ desktopLocal: false, inWorkspace: true, hasManifest: false }), 'explorer');
    assert.equal(revealStrategy({ desktopLocal: false, inWorkspace: false, hasManifest: true }), 'manifest');
    assert.equal(revealStrategy({ desktopLocal: false, inWorkspace: false, hasManifest: false }), 'path');
  });
});
