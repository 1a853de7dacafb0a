import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { USAGE } from '../../../../src/cli/usage';
import { backupCommand, backupsCommand, formatBytes, rescueCommand, restoreCommand } from '../../../../src/cli/commands/backup';
import { UsageError } from '../../../../src/cli/usage';

const work = mkdtempSync(join(tmpdir(), 'pl-backup-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

function capture(): { io: { out: (t: string) => void; err: (t: string) => void; color: boolean }; out: () => string; err: () => string } {
  let o = '';
  let e = '';
  return { io: { out: (t) => (o += t), err: (t) => (e += t), color: false }, out: () => o, err: () => e };
}

async function usage(run: Promise<number>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (err: Error) => {
    assert.ok(err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'), `${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('backup commands', () => {
  it('reject what they cannot do as usage errors', async () => {
    const c = capture();
    await usage(backupCommand([], c.io), /needs a source/);
    await usage(backupCommand(['--volume', 'v', '--path', '/x'], c.io), /one source/);
    await usage(backupCommand(['--container', 'c'], c.io), /needs --path P .* rescue --container C/);
    await usage(backupCommand(['--path', '/x', '--level', '0'], c.io), /--level takes a whole number from 1 to 9/);
    await usage(backupCommand(['--path', '/x', '--keep', 'many'], c.io), /--keep takes a whole number/);
    await usage(backupCommand(['--path', '/x', 'extra'], c.io), /no positional/);
    await usage(backupCommand(['--bogus'], c.io), /bogus/);
    await usage(restoreCommand(['--path', '/x'], c.io), /needs the ARCHIVE/);
    await usage(restoreCommand(['a.tar.gz'], c.io), /needs a target/);
    await usage(restoreCommand(['a.tar.gz', '--volume', 'v', '--path', '/x'], c.io), /one target/);
    await usage(rescueCommand([], c.io), /needs --container/);
    await usage(backupsCommand(['x'], c.io), /no positional/);
    assert.match(USAGE, /persistence-lens restore ARCHIVE/);
  });

  it('back up, list and restore a local directory, with exit codes 0 and 2', async () => {
    const src = fresh('src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'd', 'f.txt'), 'hello\n');
    const out = fresh('out');

    const b = capture();
    assert.equal(await backupCommand(['--path', src, '--out', out], b.io), 0, b.err());
    assert.match(
      b.out(),
      /^Backed up \/.*: 3 entries, 6 B of files\n {2}archive {3}\/.*\.tar\.gz \(\d+ B, gzip -6\)\n {2}sha256 {4}[0-9a-f]{64}\n {2}manifest /,
    );
    const archive = /archive {3}(\S+)/.exec(b.out())![1]!;

    const j = capture();
    assert.equal(await backupCommand(['--path', src, '--out', out, '--json', '--level', '9'], j.io), 0);
    const json = JSON.parse(j.out());
    assert.equal(json.manifest.gzipLevel, 9);
    assert.equal(json.manifest.entries, 3);

    const l = capture();
    assert.equal(await backupsCommand(['--out', out], l.io), 0);
    assert.match(l.out(), /DATE +SOURCE +SIZE +STATUS +ARCHIVE/);
    assert.equal(
      l
        .out()
        .split('\n')
        .filter((x) => / ok +local-src-/.test(x)).length,
      2,
    );
    const lj = capture();
    assert.equal(await backupsCommand(['--out', out, '--json', '--verify'], lj.io), 0);
    const listed = JSON.parse(lj.out());
    assert.equal(listed.length, 2);
    assert.equal(listed[0].status, 'verified');
    assert.equal(listed[0].source.kind, 'local');

    const dest = fresh('dest');
    const r = capture();
    assert.equal(await restoreCommand([archive, '--path', dest], r.io), 0, r.err());
    assert.match(r.out(), /Restored 3 entries \(6 B of files\) from .* into \//);
    assert.match(r.out(), /verified {2}sha256 and entry count match the manifest/);
    assert.equal(readFileSync(join(dest, 'd', 'f.txt'), 'utf8'), 'hello\n');

    const again = capture();
    assert.equal(await restoreCommand([archive, '--path', dest, '--out', out], again.io), 2);
    assert.match(again.err(), /is not empty .* Pass --force/);
    const forced = capture();
    assert.equal(await restoreCommand([archive, '--path', dest, '--out', out, '--force'], forced.io), 0);
    assert.match(forced.out(), /safety backup of what was there: .*pre-restore-local-dest-/);

    const missing = capture();
    assert.equal(await restoreCommand([join(out, 'nope.tar.gz'), '--path', dest], missing.io), 2);
    assert.match(missing.err(), /cannot read the archive .*nope\.tar\.gz: no such file/);

    const bytes = readFileSync(archive);
    bytes[bytes.length - 20] ^= 1;
    writeFileSync(archive, bytes);
    const corrupt = capture();
    assert.equal(await restoreCommand([archive, '--path', fresh('dest')], corrupt.io), 2);
    assert.match(corrupt.err(), /does not match its manifest/);

    const empty = capture();
    assert.equal(await backupsCommand(['--out', fresh('none')], empty.io), 0);
    assert.match(empty.out(), /No backups in /);

    const nosrc = capture();
    assert.equal(await backupCommand(['--path', join(work, 'does-not-exist'), '--out', out], nosrc.io), 2);
    assert.match(nosrc.err(), /does not exist/);
  });

  it('formats sizes', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1500), '1.50 kB');
    assert.equal(formatBytes(315_004_478), '315 MB');
    assert.equal(formatBytes(1_234_567_890), '1.23 GB');
  });
});
