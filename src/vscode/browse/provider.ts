import * as vscode from 'vscode';
import type { BrowseEntry, BrowseSession } from '../../backend';
import { browseErrorCode } from '../../browse/errors';
import { sourceKey, type BrowseSource } from '../../browse/source';
import { toUriName } from '../../browse/uri-path';
import { backend } from '../backend';
import { parseBrowseUri } from './uri';

/**
 * The read-only file system behind `persistence-lens:` URIs: a volume, a container's folder or a backup archive
 * shown in the Explorer. One browse session per source, opened on the first request and kept (a volume's
 * helper container is made once and reused) until its last workspace folder is removed or the extension
 * deactivates; {@link closeAll} is awaited then, so no helper container is left behind.
 *
 * Every write is refused (NoPermissions), `isReadonly` tells the editor so: no save, no rename, no delete.
 */
export class BrowseFileSystem implements vscode.FileSystemProvider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly sessions = new Map<string, Promise<BrowseSession>>();

  constructor(private readonly host: () => string | undefined) {}

  private session(source: BrowseSource): Promise<BrowseSession> {
    const key = sourceKey(source);
    let s = this.sessions.get(key);
    if (!s) {
      const host = this.host();
      s = backend().openBrowseSession(source, host ? { host } : {});
      this.sessions.set(key, s);
      // a session that could not open (no engine, no archive) is tried again next time
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /** The sources browsed now (tests, and closing sessions whose folder was removed). */
  openSources(): string[] {
    return [...this.sessions.keys()];
  }

  /** Ends the session of a source (its helper container is removed). */
  async close(source: BrowseSource): Promise<void> {
    const key = sourceKey(source);
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    await (await s?.catch(() => undefined))?.close();
  }

  /** Ends every session; the errors (a helper that could not be removed) are returned as sentences. */
  async closeAll(): Promise<string[]> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    const results = await Promise.allSettled(all.map(async (p) => (await p.catch(() => undefined))?.close()));
    return results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : []));
  }

  private async run<T>(uri: vscode.Uri, fn: (s: BrowseSession, rel: string) => Promise<T>): Promise<T> {
    const { source, rel } = parseBrowseUri(uri);
    try {
      return await fn(await this.session(source), rel);
    } catch (err) {
      throw toFileSystemError(err, uri);
    }
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.run(uri, async (s, rel) => {
      const e = await s.stat(rel);
      return {
        type: fileType(e),
        ctime: 0,
        mtime: e.target?.mtimeMs ?? e.mtimeMs,
        size: e.target?.size ?? e.size,
        permissions: vscode.FilePermission.Readonly,
      };
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.run(uri, async (s, rel) => (await s.list(rel)).map((e) => [toUriName(e.name), fileType(e)]));
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.run(uri, (s, rel) => s.read(rel));
  }

  watch(): vscode.Disposable {
    // nothing to watch: a snapshot read on demand (the Explorer's Refresh reads again)
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): void {
    throw readOnly(uri);
  }
  writeFile(uri: vscode.Uri): void {
    throw readOnly(uri);
  }
  delete(uri: vscode.Uri): void {
    throw readOnly(uri);
  }
  rename(uri: vscode.Uri): void {
    throw readOnly(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function fileType(e: BrowseEntry): vscode.FileType {
  const kind = (k: BrowseEntry['kind']): vscode.FileType =>
    k === 'directory' ? vscode.FileType.Directory : k === 'file' ? vscode.FileType.File : vscode.FileType.Unknown;
  if (e.kind !== 'symlink') return kind(e.kind);
  // a link: what it leads to inside the root, or a bare link (outside, dangling) that opens to its reason
  return vscode.FileType.SymbolicLink | (e.target ? kind(e.target.kind) : vscode.FileType.Unknown);
}

function readOnly(uri: vscode.Uri): vscode.FileSystemError {
  return vscode.FileSystemError.NoPermissions(
    `${uri.path}: what Persistence Lens browses is read-only (save a copy elsewhere to change it)`,
  );
}

function toFileSystemError(err: unknown, uri: vscode.Uri): Error {
  if (err instanceof vscode.FileSystemError) return err;
  const code = browseErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'not-found':
      return vscode.FileSystemError.FileNotFound(message);
    case 'not-directory':
      return vscode.FileSystemError.FileNotADirectory(message);
    case 'is-directory':
      return vscode.FileSystemError.FileIsADirectory(message);
    case 'refused':
    case 'too-large':
      return vscode.FileSystemError.NoPermissions(message);
    default:
      return vscode.FileSystemError.Unavailable(message || uri.toString());
  }
}
