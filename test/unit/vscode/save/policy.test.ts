import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveCatalog } from '../../../../src/core/catalog';
import { survivalOf } from '../../../../src/core/survival';
import type { Status } from '../../../../src/core/types';
import type { WhereResult } from '../../../../src/sources/self';
import {
  assessFile,
  globToRegExp,
  ignoreScope,
  isIgnored,
  persistRefusal,
  SAVE_ACTION_LABELS,
  saveActionsFor,
  saveWarningFor,
  type SaveWarningSettings,
} from '../../../../src/vscode/save/policy';
import { describeFileStatus } from '../../../../src/vscode/status/describe';

const catalog = resolveCatalog('/home/coder', {});

function where(path: string, status: Status, extra: Partial<WhereResult> = {}): WhereResult {
  return { path, resolvedPath: path, status, readOnly: false, survives: survivalOf(status), ...extra };
}

const on: SaveWarningSettings = { enabled: true, ignoredFolders: [], minimumCriticality: 'medium' };

describe('save warnings', () => {
  it('warns for a file on the writable layer, naming the folder and what destroys it', () => {
    const a = assessFile('/home/coder/notes/a.md', where('/home/coder/notes/a.md', 'writable-layer'), catalog);
    const w = saveWarningFor(a, on, new Set());
    assert.deepEqual(w, {
      folder: '/home/coder/notes',
      message:
        "a.md is saved in /home/coder/notes, which is on the container's writable layer: it will be lost when the container is recreated.",
    });
  });

  it('says a tmpfs loses it on restart, and an anonymous volume on recreate', () => {
    const t = saveWarningFor(assessFile('/scratch/x', where('/scratch/x', 'tmpfs', { mountPoint: '/scratch' }), catalog), on, new Set());
    assert.match(t!.message, /on a tmpfs: it will be lost when the container restarts\.$/);
    const v = saveWarningFor(assessFile('/data/x', where('/data/x', 'anonymous-volume', { mountPoint: '/data' }), catalog), on, new Set());
    assert.match(v!.message, /on an anonymous volume: it will be lost when the container is recreated\.$/);
  });

  it('stays quiet for persistent and read-only storage, a folder already warned about, and when off', () => {
    const safe = assessFile('/w/a', where('/w/a', 'named-volume', { source: 'w', mountPoint: '/w' }), catalog);
    assert.equal(saveWarningFor(safe, on, new Set()), undefined);
    const ro = assessFile('/etc/x', where('/etc/x', 'writable-layer', { readOnly: true }), catalog);
    assert.equal(saveWarningFor(ro, on, new Set()), undefined);
    const risky = assessFile('/home/coder/n/a', where('/home/coder/n/a', 'writable-layer'), catalog);
    assert.equal(saveWarningFor(risky, on, new Set(['/home/coder/n'])), undefined);
    assert.equal(saveWarningFor(risky, { ...on, enabled: false }, new Set()), undefined);
  });

  it('weighs the file by the catalog: caches and /tmp are below the default threshold, SSH keys above any', () => {
    const cache = assessFile('/home/coder/.cache/pip/x', where('/home/coder/.cache/pip/x', 'writable-layer'), catalog);
    assert.equal(cache.criticality, 'low');
    assert.equal(saveWarningFor(cache, on, new Set()), undefined);
    assert.ok(saveWarningFor(cache, { ...on, minimumCriticality: 'low' }, new Set()));
    assert.equal(
      saveWarningFor(assessFile('/tmp/x', where('/tmp/x', 'writable-layer'), catalog), { ...on, minimumCriticality: 'low' }, new Set()),
      undefined,
    );
    const ssh = assessFile('/home/coder/.ssh/config', where('/home/coder/.ssh/config', 'writable-layer'), catalog);
    assert.equal(ssh.criticality, 'critical');
    assert.ok(saveWarningFor(ssh, { ...on, minimumCriticality: 'critical' }, new Set()));
  });

  it('honours ignored folders as paths or globs, on the path and on where its symlinks lead', () => {
    const a = assessFile('/home/coder/n/a.md', where('/home/coder/n/a.md', 'writable-layer', { resolvedPath: '/srv/real/a.md' }), catalog);
    assert.equal(saveWarningFor(a, { ...on, ignoredFolders: ['/home/coder/n'] }, new Set()), undefined);
    assert.equal(saveWarningFor(a, { ...on, ignoredFolders: ['/srv/**'] }, new Set()), undefined);
    assert.ok(saveWarningFor(a, { ...on, ignoredFolders: ['/home/coder/no'] }, new Set()), 'a sibling with a common prefix is not ignored');
  });
});

describe('ignored folder patterns', () => {
  it('matches folders, ** and relative globs like files.exclude', () => {
    assert.ok(isIgnored('/a/b/c.txt', ['/a/b']));
    assert.ok(isIgnored('/a/b/c.txt', ['/a/b/']));
    assert.ok(!isIgnored('/a/bc/d', ['/a/b']));
    assert.ok(isIgnored('/w/node_modules/x/y.js', ['**/node_modules/**']));
    assert.ok(
      isIgnored('/w/node_modules/x/y.js', ['node_modules']) === false,
      'a bare relative name is a glob without wildcards: a path prefix only',
    );
    assert.ok(isIgnored('/data/db/x', ['/data/*']));
    assert.ok(isIgnored('/w/build/out.o', ['**/{build,dist}/**']));
    assert.ok(!isIgnored('/w/src/out.o', ['**/{build,dist}/**']));
    assert.ok(globToRegExp('*.md').test('/x/y/z.md'));
    assert.ok(!globToRegExp('/x/*.md').test('/x/y/z.md'));
  });
});

describe('the status bar', () => {
  it('names what keeps a persistent file: a volume, a bind source, the host disk', () => {
    const vol = describeFileStatus(assessFile('/w/a', where('/w/a', 'named-volume', { source: 'ws', mountPoint: '/w' }), catalog));
    assert.equal(vol.text, '$(shield) Persistent: volume ws');
    assert.equal(vol.atRisk, false);
    const bind = describeFileStatus(assessFile('/w/a', where('/w/a', 'bind-mount', { source: '/srv/w', mountPoint: '/w' }), catalog));
    assert.equal(bind.text, '$(shield) Persistent: bind mount /srv/w');
    assert.match(bind.tooltip, /Kept by bind mount \/srv\/w, mounted at \/w\./);
    const host = describeFileStatus(assessFile('/home/me/a', where('/home/me/a', 'bind-mount'), catalog));
    assert.equal(host.text, '$(shield) Persistent: host disk');
  });

  it('says what destroys a file at risk, and offers the click', () => {
    const v = describeFileStatus(assessFile('/home/coder/a', where('/home/coder/a', 'writable-layer'), catalog));
    assert.equal(v.text, '$(warning) At risk: writable layer');
    assert.equal(v.atRisk, true);
    assert.match(v.tooltip, /lost when the container is recreated/);
    assert.match(v.tooltip, /Click to persist this folder/);
    const untrusted = describeFileStatus(assessFile('/home/coder/a', where('/home/coder/a', 'writable-layer'), catalog), false);
    assert.doesNotMatch(untrusted.tooltip, /persist this folder/);
    assert.match(untrusted.tooltip, /Click to show it in the Persistence view/);
    const ro = describeFileStatus(
      assessFile('/etc/a', where('/etc/a', 'bind-mount', { readOnly: true, source: '/etc', mountPoint: '/etc' }), catalog),
    );
    assert.equal(ro.text, '$(lock) Read-only: bind mount /etc');
  });
});

describe('save warning actions: only what works for the path', () => {
  it('have short labels that fit a notification', () => {
    assert.deepEqual(SAVE_ACTION_LABELS, { persist: 'Persist…', show: 'Show', ignore: "Don't Warn Here" });
  });

  it('refuse a persist where no volume can keep the data: /dev (and /dev/shm), /proc, /sys, the root', () => {
    for (const f of ['/dev/shm', '/dev/shm/x', '/dev', '/proc/1', '/sys/fs', '/']) assert.ok(persistRefusal(f), f);
    assert.match(persistRefusal('/dev/shm')!, /shm_size/);
    for (const f of ['/tmp/x', '/home/coder/notes', '/devices', '/data', '/run/app']) assert.equal(persistRefusal(f), undefined, f);
  });

  it('offer Persist… only where a persist can work and the workspace is trusted, Show only for a path the view lists', () => {
    assert.deepEqual(saveActionsFor({ trusted: true, listed: true }), ['persist', 'show', 'ignore']);
    assert.deepEqual(saveActionsFor({ trusted: false, listed: true }), ['show', 'ignore']);
    assert.deepEqual(saveActionsFor({ trusted: true, listed: false, persistRefusal: persistRefusal('/dev/shm')! }), ['ignore']);
    assert.deepEqual(saveActionsFor({ trusted: true, listed: false }), ['persist', 'ignore']);
  });

  it('remember "Don\'t Warn Here" in the workspace only for a folder inside it, else in the user settings', () => {
    assert.equal(ignoreScope('/work/app/tmp', ['/work/app'], true), 'workspace');
    assert.equal(ignoreScope('/work/app', ['/work/app'], true), 'workspace');
    assert.equal(ignoreScope('/work/application/x', ['/work/app'], true), 'user');
    assert.equal(ignoreScope('/dev/shm', ['/work/app'], true), 'user');
    assert.equal(ignoreScope('/tmp/x', [], true), 'user');
    assert.equal(ignoreScope('/work/app/tmp', ['/work/app'], false), 'user');
  });
});
