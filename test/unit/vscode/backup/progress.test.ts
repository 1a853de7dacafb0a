/**
 * The progress notification's bar and message (src/vscode/backup/progress-report.ts), fed with the progress
 * the real engine reports while it backs up and restores a local folder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup, restore, type Progress } from '../../../../src/backup';
import { progressMessage, ProgressTranslator, type ProgressStep } from '../../../../src/vscode/backup/progress-report';

const work = mkdtempSync(join(tmpdir(), 'pl-vsbackup-progress-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Seen {
  p: Progress;
  step: ProgressStep;
  position: number;
}

/** Runs the translator over an operation's progress, as the notification would see it. */
function recorder(): { seen: Seen[]; onProgress: (p: Progress) => void } {
  const t = new ProgressTranslator();
  const seen: Seen[] = [];
  return { seen, onProgress: (p) => seen.push({ p, step: t.next(p), position: t.position }) };
}

function assertBar(seen: Seen[]): void {
  let sum = 0;
  let last = 0;
  for (const s of seen) {
    assert.ok(s.position >= last, `the bar went back: ${last} → ${s.position}`);
    last = s.position;
    if (s.step.increment !== undefined) {
      assert.ok(s.step.increment > 0, 'an increment is positive');
      sum += s.step.increment;
    }
  }
  assert.ok(Math.abs(sum - 100) < 0.05, `the increments add up to the whole bar: ${sum}`);
  assert.equal(seen.at(-1)!.position, 100);
  assert.equal(seen.at(-1)!.p.phase, 'finishing');
}

describe('ProgressTranslator over a real backup and restore', () => {
  const src = join(work, 'src');
  const backups: Seen[][] = [];
  const restores: Seen[][] = [];
  before(async () => {
    mkdirSync(src);
    for (let i = 0; i < 24; i++) writeFileSync(join(src, `f${i}.bin`), randomBytes(256 * 1024));
    const b = recorder();
    const r = await backup(
      { kind: 'local', path: src },
      { outDir: join(work, 'out'), insideContainer: false, onProgress: b.onProgress, progressIntervalMs: 0, parallelism: 1 },
    );
    backups.push(b.seen);
    const target = join(work, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'there-before'), 'x');
    const rr = recorder();
    await restore(
      r.archive,
      { kind: 'local', path: target },
      { outDir: join(work, 'out'), insideContainer: false, force: true, onProgress: rr.onProgress, progressIntervalMs: 0 },
    );
    restores.push(rr.seen);
  });

  it('a backup fills the bar while archiving, exactly once, never backwards', () => {
    const seen = backups[0]!;
    assert.ok(seen.filter((s) => s.p.phase === 'archiving').length > 3, 'several archiving reports');
    assertBar(seen);
  });

  it('a restore: checking the sha256 up to 15%, every entry up to 30%, the safety backup holds the bar, writing fills it', () => {
    const seen = restores[0]!;
    const phases = [...new Set(seen.map((s) => s.p.phase))];
    assert.deepEqual(phases, ['verifying', 'validating', 'safety-backup', 'restoring', 'finishing']);
    const max = (phase: string) => Math.max(...seen.filter((s) => s.p.phase === phase).map((s) => s.position));
    assert.equal(max('verifying'), 15);
    assert.equal(max('validating'), 30);
    assert.equal(max('safety-backup'), 30, 'a phase with no total of its own does not move the bar');
    assert.ok(
      seen.filter((s) => s.p.phase === 'restoring').some((s) => s.position > 30 && s.position < 100),
      'writing moves the bar in between',
    );
    assertBar(seen);
  });

  it('the message says the phase, bytes of the total and the percentage', () => {
    const writing = restores[0]!.find(
      (s) => s.p.phase === 'restoring' && s.p.percent !== undefined && s.p.percent > 0 && s.p.percent < 100,
    );
    assert.ok(writing);
    assert.match(writing.step.message, /^writing: [\d.]+ [kM]B of 6\.29 MB \(\d+%\), [\d,]+ entr(y|ies)$/);
    const checking = restores[0]!.find((s) => s.p.phase === 'verifying')!;
    assert.match(
      checking.step.message,
      /^checking the sha256: [\d.]+ [kM]?B of [\d.]+ [kM]B \(\d+%\)$/,
      "counts the archive's bytes, no entries yet",
    );
  });
});

describe('progressMessage', () => {
  const base: Progress = { operation: 'backup', phase: 'archiving', entries: 1, bytes: 1500, compressedBytes: 700, elapsedMs: 10 };
  it('without a total: bytes and entries only', () => {
    assert.equal(progressMessage(base), 'archiving: 1.50 kB, 1 entry');
    assert.equal(progressMessage({ ...base, phase: 'preparing' }), 'preparing');
    assert.equal(
      progressMessage({ ...base, phase: 'safety-backup', entries: 1200, bytes: 2_000_000 }),
      'backing up what is there first: 2.00 MB, 1,200 entries',
    );
  });

  it('a percentage is never rounded up to 100 before the end', () => {
    assert.equal(progressMessage({ ...base, totalBytes: 1501, percent: 99.9 }), 'archiving: 1.50 kB of 1.50 kB (99%), 1 entry');
  });

  it('a phase that has no slice of the bar in this operation moves the message, not the bar', () => {
    const t = new ProgressTranslator();
    t.next({ ...base, totalBytes: 3000, percent: 50 });
    assert.deepEqual(t.next({ ...base, phase: 'verifying', percent: 90 }), { message: 'checking the sha256: 700 B (90%)' });
    assert.equal(t.position, 50);
  });
});
