import { write } from 'node:fs';
import { promisify } from 'node:util';

const writeFd = promisify(write);

/**
 * Writes every chunk to `fd` at its current offset, one write at a time, and never closes it: the caller opened
 * the descriptor and closes it, once, after this settles.
 *
 * Why not `createWriteStream('', { fd, autoClose: false })` and `pipeline`: when the source fails (a cancel, a
 * broken archive) the pipeline destroys the stream, and a destroyed fs stream closes its fd whatever
 * `autoClose` says. It does so after its running write, which can be after the pipeline has already rejected,
 * so the caller's own close came before or after it: one of the two closes got EBADF, or closed whatever file
 * had been opened with the freed number in between (descriptor numbers are reused at once), and the caller's
 * close could even run while that write was still in flight. Here, when this promise settles no write is
 * running and the descriptor is still open. As a pipeline's last stage it must still be awaited by the caller
 * before the close: on a cancel the pipeline rejects without waiting for it (archive-file.ts).
 */
export async function writeChunks(fd: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  for await (const chunk of chunks) {
    // a write may take fewer bytes than given (a regular file rarely does): write the rest
    for (let off = 0; off < chunk.length;) {
      const { bytesWritten } = await writeFd(fd, chunk, off, chunk.length - off, null);
      off += bytesWritten;
    }
  }
}
