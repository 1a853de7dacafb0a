/**
 * A refused restore is data (issue 14, improvements 1 and 2): a `kind` the CLI turns into its flags and the editor
 * into its question, a guard that works on another bundle's copy of the error, and an engine message that names
 * no CLI flag.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backup, isRestoreRefusal, restore, ArchiveRefusedError, BackupInputError, RestoreRefusedError } from '../../../src/backup';
import { contentAlone, needsForce, notARescueArchive } from '../../../src/backup/restore-refusal';
import { restoreCommand } from '../../../src/cli/commands/backup';

const work = mkdtempSync(join(tmpdir(), 'pl-restore-refusal-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

function capture(): { io: { out: (t: string) => void; err: (t: string) => void; color: boolean }; out: () => string; err: () => string } {
  let o = '';
  let e = '';
  return { io: { out: (t) => (o += t), err: (t) => (e += t), color: false }, out: () => o, err: () => e };
}

async function localArchive(): Promise<string> {
  const src = fresh('src');
  mkdirSync(src);
  writeFileSync(join(src, 'a.txt'), 'a\n');
  return (await backup({ kind: 'local', path: src }, { outDir: fresh('out') })).archive;
}

describe('a refused restore as data', () => {
  it('needs-force: the engine says what is there in a plain sentence, with the content as data', () => {
    const e = needsForce('/srv/x', { kind: 'entries', count: 2 });
    assert.ok(e instanceof BackupInputError, 'an input error: the CLI exits 2');
    assert.equal(e.kind, 'needs-force');
    assert.equal(e.message, '/srv/x is not empty (2 entries): restoring would overwrite it; nothing was restored');
    assert.deepEqual(e.details, { target: '/srv/x', content: { kind: 'entries', count: 2 } });
    assert.equal(
      needsForce('volume "v"', { kind: 'some' }).message,
      'volume "v" is not empty: restoring would overwrite it; nothing was restored',
    );
    const many = Array.from({ length: 12 }, (_, i) => `/p${i}`);
    assert.equal(
      contentAlone({ kind: 'paths', paths: many }),
      "12 of the archive's paths exist there (/p0, /p1, /p2, /p3, /p4, /p5, /p6, /p7, /p8, /p9, and 2 more)",
    );
    assert.equal(
      needsForce('project "p"', { kind: 'targets', targets: ['volume "a"'] }).reason,
      'project "p": 1 of the set\'s targets are not empty (volume "a"): restoring would overwrite them',
    );
  });

  it('the guard tests the kind, so it works on a copy of the class from another bundle', () => {
    class ElsewhereRefusal extends Error {
      readonly kind = 'needs-force';
    }
    assert.ok(isRestoreRefusal(new ElsewhereRefusal('x')));
    assert.ok(isRestoreRefusal(notARescueArchive('/a.tar.gz', undefined)));
    assert.ok(isRestoreRefusal(new ArchiveRefusedError('x', 'a', 'link-in-target')));
    assert.equal(new ArchiveRefusedError('x').kind, 'archive-refused');
    assert.ok(!isRestoreRefusal(new BackupInputError('no such volume')));
    assert.ok(!isRestoreRefusal({ kind: 'input' }), "another vocabulary's kind is not a refusal");
    assert.ok(!isRestoreRefusal(undefined));
  });

  it('a link already in a local target is refused with kind link-in-target, and nothing goes through it', async () => {
    const src = fresh('src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'file'), 'x\n');
    const archive = (await backup({ kind: 'local', path: src }, { outDir: fresh('out') })).archive;
    const dest = fresh('dest');
    mkdirSync(dest);
    const outside = fresh('outside');
    mkdirSync(outside);
    symlinkSync(outside, join(dest, 'sub'));
    await assert.rejects(restore(archive, { kind: 'local', path: dest }, { force: true, outDir: fresh('out') }), (err: Error) => {
      assert.ok(isRestoreRefusal(err), err.message);
      assert.equal(err.kind, 'link-in-target');
      return true;
    });
    assert.deepEqual(readdirSync(outside), []);
  });
});

describe('the CLI words a refusal with its flags', () => {
  it('not a rescue archive: the engine speaks of targets, the CLI of --container C --path P', async () => {
    const archive = await localArchive();
    await assert.rejects(restore(archive, { kind: 'container', container: 'never-asked' }), (err: Error) => {
      assert.ok(err instanceof RestoreRefusedError);
      assert.equal(err.kind, 'not-a-rescue-archive');
      assert.match(
        err.message,
        /is a backup of local ".*", not a rescue archive: restore it into a volume, a folder of a container or a local folder$/,
      );
      assert.doesNotMatch(err.message, /--/);
      return true;
    });
    const c = capture();
    assert.equal(await restoreCommand([archive, '--container', 'never-asked'], c.io), 2);
    assert.match(
      c.err(),
      /^persistence-lens: .* is a backup of local ".*", not a rescue archive: restore it with --container C --path P, --volume NAME or --path DIR\n$/,
    );
  });

  it('needs-force: the same words as before the refusal became data', async () => {
    const archive = await localArchive();
    const dest = fresh('dest');
    mkdirSync(dest);
    writeFileSync(join(dest, 'old'), 'old\n');
    const c = capture();
    assert.equal(await restoreCommand([archive, '--path', dest, '--out', fresh('out')], c.io), 2);
    assert.equal(
      c.err(),
      `persistence-lens: ${dest} is not empty (1 entry): restoring would overwrite it. Pass --force to restore anyway (what is there is backed up first); nothing was restored\n`,
    );
  });
});
