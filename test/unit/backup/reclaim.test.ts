/**
 * Issue 13, point 20: a backup asks for a young-generation collection every 4 MiB of data (src/backup/reclaim.ts),
 * which frees the bytes of the dead Buffers that pass; the CLI's archive commands make that possible
 * (src/cli/memory.ts), the editor's extension host does not and the engine then does nothing extra.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { FULL_COLLECTION_EVERY_BYTES, periodicCollection, ReclaimEvery, RECLAIM_EVERY_BYTES } from '../../../src/backup/reclaim';
import { tarBytes, type ArchiveEntry } from '../../../src/backup/tar-format';
import { exposeGc, isArchiveCommand } from '../../../src/cli/memory';

const MiB = 1024 * 1024;

/** Passes `total` bytes of fresh, at once dead Buffers of `size` through `r`; the peak of Buffer memory seen. */
async function churn(r: ReclaimEvery, total: number, size: number): Promise<number> {
  let peak = 0;
  for (let i = 0; i < total / size; i++) {
    const b = Buffer.allocUnsafe(size);
    b[0] = i;
    r.passed(b.length);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    if (i % 8 === 0) await new Promise((res) => setImmediate(res));
  }
  return peak;
}

describe('ReclaimEvery', () => {
  it('collects once per interval of data passed, whatever the chunk sizes', () => {
    let calls = 0;
    const r = new ReclaimEvery({ everyBytes: 4 * MiB, collect: () => calls++ });
    for (let i = 0; i < 160; i++) r.passed(64 * 1024); // 10 MiB
    assert.equal(calls, 2);
    r.passed(2 * MiB - 1); // 12 MiB - 1 byte: not yet
    assert.equal(calls, 2);
    r.passed(1);
    assert.equal(calls, 3);
    r.passed(9 * MiB); // one big chunk: one collection, the remainder carried over
    assert.equal(calls, 4);
    r.passed(3 * MiB);
    assert.equal(calls, 5);
    assert.equal(r.collections, 5);
  });

  it('does nothing where the process cannot ask for a collection (the editor host)', async () => {
    const r = new ReclaimEvery({ collect: null });
    assert.equal(r.active, false);
    r.passed(100 * MiB);
    assert.equal(r.collections, 0);
    const out: number[] = [];
    for await (const c of r.through(Readable.from([Buffer.alloc(5 * MiB)]))) out.push((c as Buffer).length);
    assert.deepEqual(out, [5 * MiB]);
  });

  it('through() hands every chunk on unchanged and counts it', async () => {
    let calls = 0;
    const r = new ReclaimEvery({ everyBytes: 1000, collect: () => calls++ });
    const chunks = [Buffer.from('a'.repeat(600)), Buffer.from('b'.repeat(600)), Buffer.from('c'.repeat(900))];
    const out: Buffer[] = [];
    for await (const c of r.through(Readable.from(chunks))) out.push(c as Buffer);
    assert.equal(Buffer.concat(out).toString(), chunks.map((c) => c.toString()).join(''));
    assert.equal(calls, 2);
  });

  it('asks for a full collection every 64 MiB of data, young-generation ones in between', () => {
    const real = globalThis.gc;
    const asked: Array<string | undefined> = [];
    globalThis.gc = ((opts?: { type?: string }) => void asked.push(opts?.type)) as NodeJS.GCFunction;
    try {
      const collect = periodicCollection(4 * MiB)!;
      for (let i = 0; i < 32; i++) collect();
    } finally {
      globalThis.gc = real;
    }
    assert.equal(FULL_COLLECTION_EVERY_BYTES, 64 * MiB);
    assert.deepEqual(asked.map((t, i) => (t === 'major' ? i + 1 : 0)).filter(Boolean), [16, 32]);
    assert.ok(asked.every((t) => t === 'major' || t === 'minor'));
  });

  it('refuses an interval that is not a positive number of bytes', () => {
    assert.throws(() => new ReclaimEvery({ everyBytes: 0, collect: null }), /positive number of bytes/);
  });

  it('with a real young-generation collection, dead Buffers stay within about one interval', async () => {
    exposeGc();
    const r = new ReclaimEvery();
    assert.equal(r.active, true, 'the CLI can ask for collections once gc is exposed');
    globalThis.gc!();
    const without = await churn(new ReclaimEvery({ collect: null }), 64 * MiB, 256 * 1024);
    globalThis.gc!();
    const baseline = process.memoryUsage().arrayBuffers;
    const withReclaim = await churn(r, 64 * MiB, 256 * 1024);
    assert.ok(r.collections >= 15, `${r.collections} collections for 64 MiB`);
    assert.ok(
      withReclaim - baseline < 3 * RECLAIM_EVERY_BYTES,
      `Buffer memory peaked at ${((withReclaim - baseline) / MiB).toFixed(1)} MiB above the start with a collection every 4 MiB`,
    );
    // the control: left to V8, the dead Buffers pile up far beyond that (what the collections are for)
    assert.ok(without > withReclaim, `without collections ${(without / MiB).toFixed(1)} MiB, with ${(withReclaim / MiB).toFixed(1)} MiB`);
  });
});

describe('the CLI memory settings', () => {
  it('are for the archive commands only (scan starts as before)', () => {
    for (const c of ['backup', 'restore', 'rescue', 'backups']) assert.equal(isArchiveCommand(c), true, c);
    for (const c of ['scan', 'where', 'persist', 'volumes', undefined]) assert.equal(isArchiveCommand(c), false, String(c));
  });
});

describe('tarBytes without coalescing (before ParallelGzip)', () => {
  it('yields the same bytes as with coalescing, piece by piece', async () => {
    const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
    const entries = (): AsyncIterable<ArchiveEntry> =>
      (async function* () {
        for (let i = 0; i < 20; i++) {
          const body = Buffer.from(`file ${i} `.repeat(i * 50));
          yield {
            header: { ...base, name: `./f${i}`, type: 'file', size: body.length },
            body: Readable.from([body.subarray(0, 10), body.subarray(10)]),
          };
        }
      })();
    const collect = async (coalesce?: number): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for await (const b of tarBytes(entries(), { entries: 0, bytes: 0 }, undefined, coalesce === undefined ? {} : { coalesce }))
        out.push(b);
      return out;
    };
    const gathered = await collect();
    const pieces = await collect(0);
    assert.ok(Buffer.concat(pieces).equals(Buffer.concat(gathered)));
    assert.ok(pieces.length > gathered.length * 10, `${pieces.length} pieces against ${gathered.length} chunks`);
    assert.ok(pieces.every((p) => p.length > 0));
  });
});
