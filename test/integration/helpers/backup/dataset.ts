import { randomBytes } from 'node:crypto';
import type { ArchiveEntry, EntryHeader } from '../../../../src/backup/tar-format';

/**
 * A volume's worth of test content, as a tar entry stream: nested folders, empty folders, symlinks (relative,
 * absolute, dangling, to a directory), hard links, names with spaces and non-ASCII, modes 0600/0755/0644,
 * two owners, and one big file of random bytes generated as it streams.
 */
export interface DatasetOptions {
  /** Small files (default 10,200). */
  files?: number;
  /** Size of the big random file (default 300 MB); 0 for none. */
  bigFileBytes?: number;
}

const T0 = 1_700_000_000;

function dir(name: string, mode = 0o755, uid = 0, mtime = T0): ArchiveEntry {
  return { header: { name, type: 'directory', mode, uid, gid: uid, size: 0, mtime } };
}

function file(name: string, content: Buffer, mode = 0o644, uid = 0, mtime = T0): ArchiveEntry {
  return {
    header: { name, type: 'file', mode, uid, gid: uid, size: content.length, mtime },
    body: (async function* () {
      yield content;
    })(),
  };
}

function symlink(name: string, target: string): ArchiveEntry {
  return { header: { name, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: T0, linkname: target } };
}

function hardlink(name: string, target: string, like: Omit<EntryHeader, 'name' | 'type'>): ArchiveEntry {
  return { header: { ...like, name, type: 'link', size: 0, linkname: target } };
}

export async function* dataset(opts: DatasetOptions = {}): AsyncGenerator<ArchiveEntry> {
  const files = opts.files ?? 10_200;
  const big = opts.bigFileBytes ?? 300 * 1024 * 1024;
  yield dir('./', 0o755, 1000);
  const perDir = 50;
  const dirs = Math.ceil(files / perDir);
  let n = 0;
  for (let d = 0; d < dirs; d++) {
    const top = `./d${String(Math.floor(d / 10)).padStart(2, '0')}`;
    if (d % 10 === 0) yield dir(`${top}/`, 0o755, d % 20 === 0 ? 1000 : 0, T0 + d);
    const sub = `${top}/s${String(d % 10).padStart(2, '0')}`;
    yield dir(`${sub}/`, d % 3 === 0 ? 0o700 : 0o755, 0, T0 + d);
    for (let f = 0; f < perDir && n < files; f++, n++) {
      const content = Buffer.from(`file ${n} `.repeat(1 + (n % 200)));
      const mode = n % 3 === 0 ? 0o600 : n % 3 === 1 ? 0o755 : 0o644;
      yield file(`${sub}/f${String(f).padStart(3, '0')}.txt`, content, mode, n % 7 === 0 ? 1000 : 0, T0 + n);
    }
  }
  yield dir('./empty/');
  yield dir('./d00/empty inner/', 0o700);
  yield dir('./Ordner mit Ümlaut/');
  yield file('./Ordner mit Ümlaut/ünïcødé – 文件.txt', Buffer.from('non-ascii name\n'), 0o600, 1000);
  yield file('./with space.txt', Buffer.from('spaces\n'), 0o644);
  yield file('./an empty file', Buffer.alloc(0), 0o600);
  yield dir('./links/');
  yield symlink('./links/rel', '../d00/s00/f000.txt');
  yield symlink('./links/abs', '/etc/passwd');
  yield symlink('./links/dangling', '../does/not/exist');
  yield symlink('./links/dir', '../d01');
  yield symlink('./links/ünï link', '../Ordner mit Ümlaut/ünïcødé – 文件.txt');
  const first = { mode: 0o600, uid: 0, gid: 0, size: 0, mtime: T0 };
  yield hardlink('./links/hard', './d00/s00/f000.txt', first);
  yield hardlink('./d00/hard again', './d00/s00/f000.txt', first);
  yield dir(`./${'long-'.repeat(30)}dir/`);
  yield file(`./${'long-'.repeat(30)}dir/${'name-'.repeat(25)}.txt`, Buffer.from('a long path\n'));
  if (big > 0) {
    yield dir('./big/');
    yield {
      header: { name: './big/random.bin', type: 'file', mode: 0o640, uid: 1000, gid: 1000, size: big, mtime: T0 },
      body: (async function* () {
        const chunk = 1024 * 1024;
        for (let done = 0; done < big; done += chunk) yield randomBytes(Math.min(chunk, big - done));
      })(),
    };
  }
}

/** How many entries {@link dataset} yields (for assertions). */
export async function countEntries(opts: DatasetOptions = {}): Promise<number> {
  let n = 0;
  for await (const e of dataset({ ...opts, bigFileBytes: 0 })) {
    n++;
    if (e.body) for await (const _ of e.body) void _;
  }
  return n + ((opts.bigFileBytes ?? 300 * 1024 * 1024) > 0 ? 2 : 0);
}
