import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, LineCounter, parseAllDocuments, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';
import { InputError, type SourceLocation } from '../../core/types';
// The compose reader's limits hold for any YAML a user hands us: a regular file, 8 MB, bounded alias expansion.
import { checkAliasExpansion, readConfigFile } from '../compose/limits';

/**
 * Reading Kubernetes manifests: multi-document YAML files (or folders of them), each object kept with its
 * parsed document so every value can be located (file:line:column) and edited in place later.
 */

/** Larger manifests are refused: rendered charts are kilobytes; a file this big is not a manifest. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Aliases expanded per document at most (a "billion laughs" document stops here with a clear error). */
export const MAX_ALIAS_COUNT = 1000;

/** One object (`apiVersion` + `kind`) of a manifest file. */
export interface ManifestObject {
  file: string;
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  /** Plain data of the object, aliases expanded. */
  data: Record<string, unknown>;
  /** The object's node in its document, for locations. */
  node: YAMLMap;
  doc: Document.Parsed;
  /** Where the object starts. */
  at: SourceLocation;
  locate(node: YamlNode | null | undefined): SourceLocation;
}

export interface ReadManifestsResult {
  objects: ManifestObject[];
  warnings: string[];
  files: string[];
}

/** The YAML files a list of files and folders stands for; a Helm chart folder is refused with a hint. */
export function manifestFiles(paths: readonly string[], cwd = process.cwd()): { files: string[]; warnings: string[] } {
  const files: string[] = [];
  const warnings: string[] = [];
  const walk = (dir: string): void => {
    const names = readdirSync(dir).sort();
    if (names.includes('Chart.yaml')) {
      warnings.push(
        `${dir} is a Helm chart: its templates are not manifests until rendered (helm template NAME ${dir} > rendered.yaml), which this tool does not do; skipped`,
      );
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(name)) files.push(p);
    }
  };
  for (const raw of paths) {
    const p = resolve(cwd, raw);
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) walk(p);
    else files.push(p);
  }
  return { files, warnings };
}

/** Parses one manifest text into its objects; documents that are not Kubernetes objects are skipped. */
export function parseManifestText(text: string, file: string): ManifestObject[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    throw new InputError(`${file}: larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MB; not read as a Kubernetes manifest`);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const where = (offset: number): SourceLocation => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const out: ManifestObject[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw new InputError(`not valid YAML: ${err.message.split('\n')[0]}`, where(err.pos[0]));
    if (!isMap(doc.contents)) continue;
    checkAliasExpansion(doc, file, where);
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      throw new InputError(
        `too many aliases to expand (more than ${MAX_ALIAS_COUNT}): ${(e as Error).message}`,
        where(doc.contents.range?.[0] ?? 0),
      );
    }
    const obj = data as Record<string, unknown>;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const node = doc.contents;
    out.push({
      file,
      kind: obj.kind,
      apiVersion: obj.apiVersion,
      name: typeof meta.name === 'string' ? meta.name : '(unnamed)',
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      data: obj,
      node,
      doc,
      at: where(node.range?.[0] ?? 0),
      locate: (n) => where(n?.range?.[0] ?? node.range?.[0] ?? 0),
    });
  }
  return out;
}

/** Reads every manifest under `paths` (files or folders). */
export async function readManifests(
  paths: readonly string[],
  opts: { cwd?: string; overlay?: ReadonlyMap<string, string> } = {},
): Promise<ReadManifestsResult> {
  const { files, warnings } = manifestFiles(paths, opts.cwd);
  const objects: ManifestObject[] = [];
  for (const file of files) {
    const text = opts.overlay?.get(file) ?? (await readConfigFile(file));
    objects.push(...parseManifestText(text, file));
  }
  return { objects, warnings, files };
}

/** Whether a text looks like a Kubernetes manifest (some document has top-level `apiVersion` and `kind`). */
export function looksLikeKubernetes(text: string): boolean {
  return /^apiVersion\s*:/m.test(text) && /^kind\s*:/m.test(text);
}
