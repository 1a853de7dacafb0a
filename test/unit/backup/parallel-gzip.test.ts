/**
 * Issue 13, point 20: ParallelGzip reuses its block buffers (no 1 MiB allocation and concatenation per block).
 * Reuse must never hand a block to the next one before its member was compressed: many blocks, odd chunk sizes,
 * gunzipped back byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ParallelGzip } from '../../../src/backup/parallel-gzip';

describe('ParallelGzip with reused block buffers', () => {
  for (const parallelism of [1, 2, 4]) {
    it(`round-trips 9.3 blocks in odd chunks (parallelism ${parallelism})`, async () => {
      const blockSize = 64 * 1024;
      const input = Buffer.concat([randomBytes(3 * blockSize), Buffer.from('text '.repeat(Math.floor((6.3 * blockSize) / 5)))]);
      const chunks: Buffer[] = [];
      for (let i = 0, n = 1; i < input.length; i += n, n = (n * 7 + 13) % 50_000 || 1) chunks.push(Buffer.from(input.subarray(i, i + n)));
      const out: Buffer[] = [];
      await pipeline(Readable.from(chunks), new ParallelGzip({ level: 6, parallelism, blockSize }), new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
      const back = gunzipSync(Buffer.concat(out));
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(input).digest('hex'));
    });
  }
  it('an empty input is one empty member', async () => {
    const out: Buffer[] = [];
    await pipeline(Readable.from([]), new ParallelGzip({ level: 6, parallelism: 2 }), new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
    assert.equal(gunzipSync(Buffer.concat(out)).length, 0);
  });
});
