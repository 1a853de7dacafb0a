/**
 * What the readers accept, so no file can make them hang, exhaust memory or overflow the stack: the
 * extension host shares one thread with the editor. Every limit is far above what a real project writes.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAlias, isMap, isPair, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { InputError, type SourceLocation } from '../../core/types';

/** A compose file or a devcontainer.json, in bytes (and in characters for an editor's unsaved text). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** Files one project reads: its `-f` layers, everything they include, and the files `extends` names. */
export const MAX_PROJECT_FILES = 256;
/** `mounts`, `runArgs`, a service's `volumes` or `tmpfs`: entries per list. */
export const MAX_MOUNT_ENTRIES = 10_000;
/** Values that aliases may add to a YAML file beyond those written in it (a "billion laughs" adds 10^9). */
export const MAX_ALIAS_EXPANSION = 100_000;

const count = (n: number): string => n.toLocaleString('en-US');

export function tooBig(file: string, from?: SourceLocation): InputError {
  return new InputError(
    `${file} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB, more than any compose file or devcontainer.json needs; nothing was read`,
    from,
  );
}

/** Refuses an unsaved text over the size limit, as its file would be. */
export function checkTextSize(file: string, text: string, from?: SourceLocation): string {
  if (text.length > MAX_CONFIG_BYTES) throw tooBig(file, from);
  return text;
}

export function tooManyEntries(what: string, n: number, loc?: SourceLocation): InputError {
  return new InputError(`${what} has ${count(n)} entries, more than the ${count(MAX_MOUNT_ENTRIES)} this tool reads`, loc);
}

export function checkEntries(what: string, n: number, loc?: SourceLocation): void {
  if (n > MAX_MOUNT_ENTRIES) throw tooManyEntries(what, n, loc);
}

/**
 * Reads a config file as UTF-8, refusing anything that is not a regular file (a FIFO would block the read
 * forever, `/dev/zero` never ends) or is over the size limit. The file is opened without blocking and
 * checked on the open descriptor, so what is read is what was checked.
 */
export async function readConfigFile(file: string, from?: SourceLocation): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw Object.assign(new InputError(from ? `cannot read ${file}: ${why}` : `${file}: ${why}`, from), { code });
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory())
      throw Object.assign(new InputError(from ? `cannot read ${file}: is a directory` : `${file}: is a directory`, from), {
        code: 'EISDIR',
      });
    if (!st.isFile()) throw new InputError(`${file} is not a regular file (${kindOf(st)}); nothing was read`, from);
    if (st.size > MAX_CONFIG_BYTES) throw tooBig(file, from);
    // Read at most one byte past the limit: a file that grows meanwhile is still refused, never read whole.
    const buf = Buffer.alloc(Math.min(st.size, MAX_CONFIG_BYTES) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > MAX_CONFIG_BYTES) throw tooBig(file, from);
    return buf.toString('utf8', 0, n);
  } finally {
    await handle.close();
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Refuses a YAML document whose aliases expand to more than {@link MAX_ALIAS_EXPANSION} values beyond those
 * written: a "billion laughs" (aliases of aliases) or a merge-key bomb (`<<: [*a, *a]` level upon level,
 * which the `yaml` library re-merges on every use and its `maxAliasCount` does not count). Linear in the
 * file: each node's expanded size is computed once.
 */
export function checkAliasExpansion(doc: Document, file: string, at: (offset: number) => SourceLocation): void {
  const memo = new Map<unknown, number>();
  const busy = new Set<unknown>();
  const limitError = (node: YamlNode | null | undefined, why: string): InputError =>
    new InputError(why, node?.range ? at(node.range[0]) : { file, line: 1, column: 1 });
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      if (busy.has(target)) throw limitError(node, `the alias *${node.source} refers to a value that contains it`);
      return size(target);
    }
    const done = memo.get(node);
    if (done !== undefined) return done;
    busy.add(node);
    let n = 1;
    if (isMap(node) || isSeq(node)) for (const item of node.items as unknown[]) n += size(item);
    else if (isPair(node)) n = size(node.key) + size(node.value);
    busy.delete(node);
    memo.set(node, n);
    if (n > MAX_ALIAS_EXPANSION + memo.size) {
      throw limitError(
        node as YamlNode,
        `its aliases expand to more than ${count(MAX_ALIAS_EXPANSION)} values (a "billion laughs" or merge-key bomb); nothing was read`,
      );
    }
    return n;
  };
  size(doc.contents);
}

/** The same bound on located nodes (node.ts), where an alias is the very node it names. */
export function checkNodeExpansion(root: object, children: (n: object) => Iterable<object>, locOf: (n: object) => SourceLocation): void {
  const memo = new Map<object, number>();
  const busy = new Set<object>();
  const size = (node: object): number => {
    const done = memo.get(node);
    if (done !== undefined) return done;
    if (busy.has(node)) throw new InputError('an alias refers to a value that contains it', locOf(node));
    busy.add(node);
    let n = 1;
    for (const c of children(node)) n += size(c);
    busy.delete(node);
    memo.set(node, n);
    if (n > MAX_ALIAS_EXPANSION + memo.size) {
      throw new InputError(
        `its aliases expand to more than ${count(MAX_ALIAS_EXPANSION)} values (a "billion laughs" or merge-key bomb); nothing was read`,
        locOf(node),
      );
    }
    return n;
  };
  size(root);
}
