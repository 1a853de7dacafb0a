import { isMap, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';

/** What a compose service `volumes:` item says, whichever syntax it uses. */
export interface VolumeItemInfo {
  type: 'volume' | 'bind' | 'tmpfs' | 'anonymous' | 'other';
  target: string;
  source?: string;
  long: boolean;
}

const PATH_SOURCE = /^[./~]/;

/** Reads `SOURCE:TARGET[:MODE]`, a lone `TARGET`, or the long map form. */
export function volumeItemInfo(node: unknown): VolumeItemInfo | undefined {
  if (isScalar(node) && typeof node.value === 'string') {
    const parts = node.value.split(':');
    if (parts.length === 1) return { type: 'anonymous', target: parts[0]!, long: false };
    const [source, target] = parts as [string, string];
    return { type: PATH_SOURCE.test(source) ? 'bind' : 'volume', source, target, long: false };
  }
  if (isMap(node)) {
    const get = (k: string): unknown => (node as { get(k: string): unknown }).get(k);
    const target = get('target');
    if (typeof target !== 'string') return undefined;
    const type = get('type');
    const source = get('source');
    if (type === 'volume' && (source === undefined || source === null || source === '')) return { type: 'anonymous', target, long: true };
    if (type === 'volume' || type === 'bind' || type === 'tmpfs') {
      return { type, target, ...(typeof source === 'string' ? { source } : {}), long: true };
    }
    return { type: 'other', target, long: true };
  }
  return undefined;
}

/** The target path of a `tmpfs:` entry (`/run:size=64m` → `/run`). */
export function tmpfsTarget(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value.split(':')[0] : undefined;
}

export type QuoteStyle = 'plain' | 'double' | 'single';

export function quoteStyleOf(node: unknown): QuoteStyle {
  if (!isScalar(node)) return 'plain';
  const t = (node as Scalar).type;
  return t === 'QUOTE_DOUBLE' ? 'double' : t === 'QUOTE_SINGLE' ? 'single' : 'plain';
}

/** A plain scalar that reads back as the same string in block and flow context. */
function isSafePlain(s: string): boolean {
  return (
    /^[A-Za-z0-9_./~$][^\s#,[\]{}]*$/.test(s) &&
    !s.includes(': ') &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(s) &&
    !/^[-+]?[0-9.]+$/.test(s)
  );
}

export function quoteScalar(value: string, style: QuoteStyle): string {
  if (style === 'single') return `'${value.replace(/'/g, "''")}'`;
  if (style === 'double' || !isSafePlain(value)) return JSON.stringify(value);
  return value;
}

/** The characters a Docker volume name may have: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export function sanitizeVolumeName(raw: string): string {
  const cleaned = raw
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .replace(/[-.]+$/, '');
  return cleaned || 'data';
}

/** `<service>-<last path segment>` without a leading dot, made unique against `taken`. */
export function defaultVolumeName(service: string, path: string, taken: ReadonlySet<string>): string {
  const segment = path.split('/').filter(Boolean).pop()?.replace(/^\.+/, '') ?? 'root';
  const base = sanitizeVolumeName(`${service}-${segment || 'root'}`);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

export function keyOf(node: unknown): string | undefined {
  // With merge keys enabled, `<<` parses as a Symbol whose description is the key text.
  if (isScalar(node)) return typeof node.value === 'symbol' ? node.value.description : String(node.value);
  return typeof node === 'string' ? node : undefined;
}

export function isBlockSeq(node: unknown): boolean {
  return isSeq(node) && !node.flow;
}

export function rangeOf(node: Node): [number, number, number] {
  const r = node.range;
  if (!r) throw new Error('node without a source range');
  return r;
}

/** Podman's volume options in a short entry's mode field: `U` (chown to the container user), `z`/`Z` (SELinux). */
const PODMAN_OPTIONS = new Set(['U', 'z', 'Z']);

/** The Podman options of a short `SOURCE:TARGET:MODE` entry, in the order written (`data:/d:Z,U` → Z, U). */
export function podmanOptionsOf(node: unknown): string[] {
  if (!isScalar(node) || typeof node.value !== 'string') return [];
  const parts = node.value.split(':');
  if (parts.length < 3) return [];
  return parts[parts.length - 1]!.split(',').filter((o) => PODMAN_OPTIONS.has(o));
}

/**
 * The suffix a new short volume entry takes when the file follows Podman's compose conventions: the Podman
 * options (`U`, `z`, `Z`) of an existing short entry — of the same kind (volume or bind) in `service` first,
 * then in any service, then of any kind — else `U` when the file has a top-level `x-podman` key
 * (podman-compose), else none.
 */
export function podmanSuffix(doc: Document, service: string, kind: 'volume' | 'bind'): string[] {
  const services = doc.get('services', true);
  const entries: Array<{ own: boolean; kind: string; options: string[] }> = [];
  if (isMap(services)) {
    for (const p of services.items) {
      if (!isMap(p.value)) continue;
      const own = keyOf(p.key) === service;
      const v = (p.value as { get(k: string, keep: true): unknown }).get('volumes', true);
      if (!isSeq(v)) continue;
      for (const item of v.items) {
        const options = podmanOptionsOf(item);
        if (options.length > 0) entries.push({ own, kind: volumeItemInfo(item)?.type ?? 'other', options });
      }
    }
  }
  const pick =
    entries.find((e) => e.own && e.kind === kind) ?? entries.find((e) => e.kind === kind) ?? entries.find((e) => e.own) ?? entries[0];
  if (pick) return pick.options;
  const root = doc.contents;
  if (isMap(root) && root.items.some((p) => keyOf(p.key) === 'x-podman')) return ['U'];
  return [];
}
