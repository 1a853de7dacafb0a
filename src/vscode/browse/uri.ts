import * as vscode from 'vscode';
import type { BrowseSource } from '../../browse/source';
import { fromUriParts, SCHEME, toUriParts } from '../../browse/uri-path';

/** The `persistence-lens:` URI of a path in a browsed source (src/browse/uri-path.ts says how it is spelled). */
export function browseUri(source: BrowseSource, rel = ''): vscode.Uri {
  const { authority, path } = toUriParts(source, rel);
  return vscode.Uri.from({ scheme: SCHEME, authority, path });
}

/** The source and path a URI names; a URI this extension did not make is FileNotFound. */
export function parseBrowseUri(uri: vscode.Uri): { source: BrowseSource; rel: string } {
  try {
    return fromUriParts({ authority: uri.authority, path: uri.path });
  } catch (err) {
    throw vscode.FileSystemError.FileNotFound(`${uri.toString()}: ${(err as Error).message}`);
  }
}

export { SCHEME };
