/**
 * What the editor says about backups (src/vscode/backup/describe.ts): the Backups view's items, the modal
 * questions, the final messages, over results and questions the real engine produces on local folders.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  backup,
  classifyDestination,
  listBackups,
  restore,
  type BackupListing,
  type BackupResult,
  type RestoreResult,
  type TargetContent,
} from '../../../../src/backup';
import {
  backupDoneMessage,
  backupItemView,
  deleteConfirmation,
  destinationRefusal,
  errorMessage,
  formatBytes,
  formatDate,
  overwriteConfirmation,
  rescueDoneMessage,
  restoreDoneMessage,
} from '../../../../src/vscode/backup/describe';
import { describeSource } from '../../../../src/backup/describe';

const work = mkdtempSync(join(tmpdir(), 'pl-vsbackup-describe-'));
after(() => rmSync(work, { recursive: true, force: true }));
const out = join(work, 'backups');
const src = join(work, 'notes');
const opts = { outDir: out, insideContainer: false };
const fixture = (name: string): string => join(__dirname, '..', '..', '..', 'fixtures', name);

let first: BackupResult;
let second: BackupResult;
let question: { target: string; detail: string; content: TargetContent } | undefined;
let restored: RestoreResult;
let listings: BackupListing[];

before(async () => {
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha\n');
  writeFileSync(join(src, 'sub', 'b.bin'), Buffer.alloc(12_345, 1));
  first = await backup({ kind: 'local', path: src }, { ...opts, now: () => new Date('2026-03-04T05:06:07Z') });
  second = await backup({ kind: 'local', path: src }, { ...opts, keep: 1, now: () => new Date('2026-03-04T05:07:07Z') });
  const target = join(work, 'target');
  mkdirSync(target);
  writeFileSync(join(target, 'old.txt'), 'old\n');
  restored = await restore(
    second.archive,
    { kind: 'local', path: target },
    {
      ...opts,
      confirmOverwrite: async (q) => {
        question = q;
        return true;
      },
    },
  );
  execFileSync('tar', ['czf', join(out, 'by-hand.tar.gz'), '-C', src, '.']);
  listings = await listBackups(out);
});

describe('formatBytes and formatDate', () => {
  it('decimal units, three significant digits', () => {
    assert.deepEqual([0, 999, 1000, 12_345, 999_999, 1_234_567, 5e12, 7e15].map(formatBytes), [
      '0 B',
      '999 B',
      '1.00 kB',
      '12.3 kB',
      '1000 kB',
      '1.23 MB',
      '5.00 TB',
      '7000 TB',
    ]);
  });

  it('a minute-precise date in the given time zone; text that is not a date stays as it is', () => {
    assert.equal(formatDate('2026-03-04T05:06:07Z', 'UTC'), '2026-03-04 05:06');
    assert.equal(formatDate('2026-03-04T23:30:00Z', 'Asia/Tokyo'), '2026-03-05 08:30');
    assert.equal(formatDate('yesterday', 'UTC'), 'yesterday');
  });
});

describe("the Backups view's items", () => {
  it("an archive with its manifest: source, size, date, manifest ✓, the source kind's icon", () => {
    const l = listings.find((x) => x.file === second.archive)!;
    const v = backupItemView(l, 'UTC');
    assert.equal(v.label, src);
    assert.equal(v.description, `${formatBytes(l.size)} · 2026-03-04 05:07 · manifest ✓`);
    assert.equal(v.icon, 'folder');
    assert.equal(v.contextValue, 'plBackup ok content');
    assert.ok(v.tooltip.includes(second.archive), 'the tooltip has the full path');
    assert.ok(v.tooltip.includes(second.manifest.sha256));
    assert.match(v.tooltip, /- archive \d+ B: 4 entries, 12\.4 kB of files/); // 12,345 + 6 bytes
  });

  it('retention deleted the older one: the view has no item for it', () => {
    assert.deepEqual(second.pruned, [basename(first.archive)]);
    assert.ok(!listings.some((l) => l.file === first.archive));
  });

  it('a safety backup says what it was taken before', () => {
    const l = listings.find((x) => x.file === restored.safetyBackup!.archive)!;
    const v = backupItemView(l, 'UTC');
    assert.equal(v.label, `before restore: ${join(work, 'target')}`);
    assert.equal(v.contextValue, 'plBackup ok content safety');
    assert.ok(v.tooltip.includes(`taken before restoring ${basename(second.archive)}`));
  });

  it('an archive without a manifest is unverified, with a warning icon', () => {
    const v = backupItemView(
      listings.find((x) => x.archive === 'by-hand.tar.gz')!,
      'UTC',
    );
    assert.equal(v.label, 'by-hand.tar.gz');
    assert.match(v.description, / · unverified: no manifest$/);
    assert.equal(v.icon, 'warning');
    assert.equal(v.contextValue, 'plBackup no-manifest content');
    assert.match(v.tooltip, /no manifest: it cannot be verified\.$/);
  });

  it('a damaged archive says so, with an error icon', () => {
    const l = listings.find((x) => x.file === second.archive)!;
    const v = backupItemView({ ...l, status: 'mismatch', problem: 'the archive has 1 bytes, its manifest says 2' }, 'UTC');
    assert.match(v.description, /damaged: does not match its manifest$/);
    assert.equal(v.icon, 'error');
    assert.match(v.tooltip, /the archive has 1 bytes, its manifest says 2\.$/);
  });
});

describe('the modal questions', () => {
  it('restore names what will be replaced, the archive, and the safety backup taken first', () => {
    assert.ok(question, 'the engine asked');
    const l = listings.find((x) => x.file === second.archive);
    const c = overwriteConfirmation(question!, second.archive, l, out);
    assert.equal(c.kind, 'overwrite');
    assert.equal(c.message, `Replace what ${join(work, 'target')} holds with ${basename(second.archive)}?`);
    assert.ok(c.detail.startsWith(`${join(work, 'target')} is not empty. It holds 1 entry.`), c.detail);
    assert.ok(c.detail.includes(`(${src}, `), "names the archive's source");
    assert.ok(c.detail.includes(`A safety backup of what is there now is taken first, into ${out}.`), c.detail);
    assert.equal(c.action, 'Back Up and Replace');
    const volume = overwriteConfirmation(
      { target: 'volume "data"', detail: '', content: { kind: 'some' } },
      '/b/volume-data-x.tar.gz',
      undefined,
      '/b',
    );
    assert.equal(volume.message, 'Replace what volume "data" holds with volume-data-x.tar.gz?');
    assert.ok(volume.detail.startsWith('Volume "data" is not empty. Restoring volume-data-x.tar.gz replaces'), volume.detail);
  });

  it('a rescue archive back into its container names the paths that exist there', () => {
    // What the engine asks with for a rescue archive whose paths exist in the container (restore.ts, mayOverwrite).
    const paths = ['/home/coder/.ssh', '/etc/passwd'];
    const c = overwriteConfirmation(
      {
        target: 'container "web"',
        detail: "2 of the archive's paths exist there (/home/coder/.ssh, /etc/passwd)",
        content: { kind: 'paths', paths },
      },
      '/b/rescue-web-x.tar.gz',
      undefined,
      '/b',
    );
    assert.ok(
      c.detail.startsWith(
        `Container "web" is not empty. 2 of the archive's paths exist there (/home/coder/.ssh, /etc/passwd). Restoring rescue-web-x.tar.gz`,
      ),
      c.detail,
    );
  });

  it('delete names the backup and says it cannot be undone', () => {
    const l = listings.find((x) => x.file === second.archive)!;
    const c = deleteConfirmation(l);
    assert.equal(c.message, `Delete the backup of ${src} from ${formatDate(l.createdAt)}?`);
    assert.equal(c.detail, `${second.archive} (${formatBytes(l.size)}) and its manifest are deleted. This cannot be undone.`);
    const hand = deleteConfirmation(listings.find((x) => x.archive === 'by-hand.tar.gz')!);
    assert.match(hand.detail, /by-hand\.tar\.gz \(.*\) is deleted\. This cannot be undone\.$/);
  });
});

describe('the final messages', () => {
  it('a backup names its archive and folder, and what retention deleted', () => {
    const m = backupDoneMessage(second, 1);
    assert.equal(
      m,
      `Backed up ${src}: 4 entries, ${formatBytes(second.manifest.bytes)} of files into ${basename(second.archive)} (${formatBytes(second.manifest.archiveBytes)}, in ${out}). Kept the newest 1 of this source; deleted 1 older backup.`,
    );
    assert.doesNotMatch(backupDoneMessage(first, 5), /Kept/);
  });

  it('a restore names the archive, the target and the safety backup', () => {
    const m = restoreDoneMessage(restored);
    assert.ok(m.startsWith(`Restored ${basename(second.archive)} into ${join(work, 'target')}: 4 entries, `), m);
    assert.ok(m.endsWith(`What was there before is in ${basename(restored.safetyBackup!.archive)}.`), m);
  });

  it('a rescue names the paths to persist, or says there was nothing', () => {
    const plan = {
      roots: ['/a', '/b', '/c', '/d', '/e', '/f'].map((path) => ({ path, change: 'added' as const, listed: 1 })),
      modifiedDirs: [],
      deleted: [],
      skipped: [],
    };
    const r = {
      container: 'web',
      plan,
      groups: [],
      archived: true,
      warnings: [],
      archive: '/b/rescue-web-x.tar.gz',
      manifest: { ...second.manifest, archiveBytes: 2000 },
      pruned: [],
    };
    assert.equal(
      rescueDoneMessage(r, 5),
      'Rescued 6 paths of container "web" (/a, /b, /c, /d, /e, and 1 more) into rescue-web-x.tar.gz (2.00 kB, in /b). Persist those paths before recreating the container.',
    );
    assert.match(
      rescueDoneMessage({ container: 'web', plan: { ...plan, roots: [] }, groups: [], archived: false, warnings: [] }, 5),
      /writable layer, anonymous volumes and tmpfs mounts hold nothing worth keeping\. No archive was written/,
    );
  });

  it("an error is the engine's sentence, capitalized", () => {
    assert.equal(
      errorMessage(new Error('no volume "x" on the Docker Engine at unix:///var/run/docker.sock')),
      'No volume "x" on the Docker Engine at unix:///var/run/docker.sock',
    );
    assert.equal(describeSource({ kind: 'rescue', name: 'web' }), 'writable layer of container "web"');
  });
});

describe('destinationRefusal, on a captured container mount table', () => {
  const mountinfoFile = fixture('mountinfo-docker-mixed.txt');
  it('a folder in the writable layer is refused, naming the persistent mounts and the setting', () => {
    const v = classifyDestination('/home/coder/backups', { mountinfoFile, insideContainer: true });
    const m = destinationRefusal('/home/coder/backups', v);
    assert.ok(m, 'refused');
    assert.ok(
      m.startsWith(
        "Backups are not written to /home/coder/backups: it is in this container's writable layer, so it would be lost with the container when it is recreated.",
      ),
      m,
    );
    assert.ok(m.includes('backup folder setting'), m);
    assert.ok(m.includes('/home/coder/.local (named-volume capnamed)'), m);
  });

  it('a folder on a named volume is fine', () => {
    assert.equal(
      destinationRefusal(
        '/home/coder/.local/backups',
        classifyDestination('/home/coder/.local/backups', { mountinfoFile, insideContainer: true }),
      ),
      undefined,
    );
  });
});
