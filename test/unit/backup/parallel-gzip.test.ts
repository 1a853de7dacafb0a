/**
 * Issue 13, point 20: ParallelGzip reuses its block buffers and its zlib streams (no allocation per block).
 * Reuse must never hand a block or a stream to the next block before it was compressed: many blocks, odd chunk
 * sizes, gunzipped back byte for byte; and the output is one gzip member whose trailer is right.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 as zlibCrc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { BlockDeflater, DEFLATE_END } from '../../../src/backup/block-deflater';
import { crc32Table } from '../../../src/backup/crc32';
import { ParallelGzip } from '../../../src/backup/parallel-gzip';

async function gzipOf(chunks: Buffer[], opts: { parallelism: number; blockSize: number }): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new ParallelGzip({ level: 6, ...opts }),
    new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }),
  );
  return Buffer.concat(out);
}

describe('ParallelGzip with reused block buffers', () => {
  for (const parallelism of [1, 2, 4]) {
    it(`round-trips 9.3 blocks in odd chunks (parallelism ${parallelism})`, async () => {
      const blockSize = 64 * 1024;
      const input = Buffer.concat([randomBytes(3 * blockSize), Buffer.from('text '.repeat(Math.floor((6.3 * blockSize) / 5)))]);
      const chunks: Buffer[] = [];
      for (let i = 0, n = 1; i < input.length; i += n, n = (n * 7 + 13) % 50_000 || 1) chunks.push(Buffer.from(input.subarray(i, i + n)));
      const out: Buffer[] = [];
      await pipeline(
        Readable.from(chunks),
        new ParallelGzip({ level: 6, parallelism, blockSize }),
        new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }),
      );
      const back = gunzipSync(Buffer.concat(out));
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(input).digest('hex'));
    });
  }
  it('an empty input is one empty member', async () => {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([]),
      new ParallelGzip({ level: 6, parallelism: 2 }),
      new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }),
    );
    assert.equal(gunzipSync(Buffer.concat(out)).length, 0);
  });
  it('is one gzip member: a header, one deflate stream, the CRC-32 and length of the input', async () => {
    const input = Buffer.concat([randomBytes(100_000), Buffer.from('member '.repeat(60_000))]);
    // chunks of several blocks each: blocks start while others are still being compressed
    const gz = await gzipOf([input.subarray(0, 300_000), input.subarray(300_000)], { parallelism: 2, blockSize: 32 * 1024 });
    assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
    assert.ok(inflateRawSync(gz.subarray(10, -8)).equals(input), 'the body is a single raw deflate stream');
    assert.equal(gz.readUInt32LE(gz.length - 8), zlibCrc32(input));
    assert.equal(gz.readUInt32LE(gz.length - 4), input.length);
  });
});

describe('ParallelGzip destroyed while blocks are being compressed (a cancelled backup)', () => {
  it('closes its zlib streams without an error of its own', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): number => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const gz = new ParallelGzip({ level: 6, parallelism: 2, blockSize: 64 * 1024 });
      gz.on('error', () => undefined);
      gz.resume();
      gz.write(randomBytes(512 * 1024));
      await new Promise((res) => setImmediate(res));
      gz.destroy(new Error('cancelled'));
      await new Promise((res) => setTimeout(res, 300));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(uncaught, []);
  });
});

describe('BlockDeflater', () => {
  it('compresses block after block with one zlib stream, each from an empty dictionary and byte-aligned', async () => {
    const d = new BlockDeflater({ level: 6 });
    try {
      const a = Buffer.from('the same words again '.repeat(5000));
      const first = Buffer.concat(await d.compress(a));
      const second = Buffer.concat(await d.compress(a));
      // a dictionary carried over would make the second block a few back-references long
      assert.ok(second.equals(first), 'the second block owes nothing to the first');
      assert.ok(inflateRawSync(Buffer.concat([first, second, DEFLATE_END])).equals(Buffer.concat([a, a])));
    } finally {
      d.close();
    }
  });
});

describe('crc32Table (Node without zlib.crc32)', () => {
  it('agrees with zlib', () => {
    const data = randomBytes(70_000);
    assert.equal(crc32Table(data), zlibCrc32(data));
    assert.equal(crc32Table(data.subarray(1000), crc32Table(data.subarray(0, 1000))), zlibCrc32(data));
    assert.equal(crc32Table(Buffer.alloc(0)), 0);
  });
});
