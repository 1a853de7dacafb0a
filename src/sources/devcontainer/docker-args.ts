/**
 * The storage arguments of `docker run` as a devcontainer.json writes them: the `--mount` syntax of its
 * `mounts` and `workspaceMount`, and the storage flags among its `runArgs`. Plain strings in, plain values
 * out: where they are written and what their paths resolve to is the reader's business.
 */

/** One `--mount`, as written. */
export interface MountSpec {
  type: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  /** `volume-opt=KEY=VALUE` fields: options of the volume driver (the local driver's type, o, device). */
  volumeOpts?: Record<string, string>;
}

/** `docker run --mount` syntax: comma-separated key=value (CSV quoting), keys with their aliases. A string is why it is refused. */
export function parseMountString(spec: string): MountSpec | string {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '"') {
      if (quoted && spec[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return 'unterminated quote';
  fields.push(cur);
  const out: MountSpec = { type: 'volume', readOnly: false };
  for (const raw of fields) {
    const field = raw.trim();
    if (!field) continue;
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    switch (key) {
      case 'type':
        out.type = (value ?? '').trim().toLowerCase();
        break;
      case 'source':
      case 'src':
        out.source = value ?? '';
        break;
      case 'target':
      case 'destination':
      case 'dst':
        out.target = value ?? '';
        break;
      case 'readonly':
      case 'ro': {
        const v = (value ?? 'true').trim().toLowerCase();
        if (v === 'true' || v === '1') out.readOnly = true;
        else if (v === 'false' || v === '0') out.readOnly = false;
        else return `invalid value for ${key}: ${value}`;
        break;
      }
      case 'volume-opt': {
        if (value === undefined) return `invalid field "${field}": it must be a key=value pair`;
        const i = value.indexOf('=');
        out.volumeOpts = { ...out.volumeOpts, [(i === -1 ? value : value.slice(0, i)).trim()]: i === -1 ? '' : value.slice(i + 1) };
        break;
      }
      default:
        if (value === undefined) return `invalid field "${field}": it must be a key=value pair`;
      // consistency, bind-propagation, volume-opt, tmpfs-size...: no bearing on persistence.
    }
  }
  return out;
}

/** The host path a local-driver volume binds (`volume-opt=device=/x` with `o=bind` or `type=none`), if it does. */
export function boundDevice(opts: Record<string, string> | undefined): string | undefined {
  const device = opts?.device;
  if (!device) return undefined;
  const o = (opts.o ?? '').split(',').map((x) => x.trim());
  return o.includes('bind') || o.includes('rbind') || opts.type?.trim() === 'none' ? device : undefined;
}

/** The `docker run` flags that declare storage. */
export type StorageFlag = '-v' | '--volume' | '--mount' | '--tmpfs';

/**
 * The storage flag at `args[i]`, with its value: written after `=` (`--mount=...`), joined (`-vdata:/data`),
 * or the next argument, whose index is then `valueAt`. Undefined when `args[i]` is no storage flag, or its
 * value should be the next argument and there is none. An `undefined` entry is an argument that is no string.
 */
export function storageFlagAt(
  args: ReadonlyArray<string | undefined>,
  i: number,
): { flag: StorageFlag; value: string; valueAt: number } | undefined {
  const s = args[i];
  if (s === undefined) return undefined;
  const m = /^(-v|--volume|--mount|--tmpfs)(?:=(.*))?$/.exec(s) ?? /^(-v)(.+)$/.exec(s);
  if (!m) return undefined;
  const flag = m[1] as StorageFlag;
  if (m[2] !== undefined) return { flag, value: m[2], valueAt: i };
  const next = args[i + 1];
  return next === undefined ? undefined : { flag, value: next, valueAt: i + 1 };
}

/** `--read-only`: the container's root file system is mounted read-only. */
export function isReadOnlyRootFlag(arg: string): boolean {
  return arg === '--read-only' || arg === '--read-only=true';
}

/** The container path of a `--tmpfs` value (`/run` or `/run:size=64m`). */
export function tmpfsTarget(value: string): string {
  return value.split(':')[0]!;
}
