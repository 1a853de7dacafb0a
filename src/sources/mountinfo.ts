import { isWithin, normalizePosix } from '../core/paths';
import { InputError, type Mount, type MountStatus, type Status } from '../core/types';
import { kubeletStorage, looksLikePod, otherPodStorage } from './mountinfo-kubelet';

/**
 * `/proc/<pid>/mountinfo` (proc_pid_mountinfo(5)): parsing, then what the lines say about persistence.
 * Pure: no file system access, so every rule is testable with captured text
 * (../../shared/notes/persistence-facts.md, "Seeing mounts from inside a container").
 */

/** One line of mountinfo, fields unescaped (`\040` is a space), in the kernel's order. */
export interface MountInfoEntry {
  id: number;
  parentId: number;
  majorMinor: string;
  /** The directory of the source file system that is mounted here (`/` for a whole file system). */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  /** `shared:1`, `master:2`, `propagate_from:3`, `unbindable`; often none. */
  optionalFields: string[];
  fsType: string;
  /** May be empty: the kernel prints whatever device name the mount was given. */
  mountSource: string;
  superOptions: string[];
  /** 1-based line in the text it was parsed from. */
  line: number;
}

/** Bounds on what parseMountInfo reads, so a pathological table fails fast instead of taking seconds. */
export const MAX_MOUNTINFO_LINES = 100_000;
export const MAX_MOUNTINFO_CHARS = 16 * 1024 * 1024;

const LINE_SHAPE = 'ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS';

/**
 * Parses mountinfo text exactly: one entry per non-blank line (LF or CRLF). A malformed line throws an
 * {@link InputError} at `file:line:column` of the offending field.
 */
export function parseMountInfo(text: string, file = 'mountinfo'): MountInfoEntry[] {
  if (text.length > MAX_MOUNTINFO_CHARS) {
    throw new InputError(
      `the mount table is larger than ${MAX_MOUNTINFO_CHARS / 1024 / 1024} MB; a real one is kilobytes (a host with many containers: a few MB). Nothing was read`,
      { file, line: 1, column: 1 },
    );
  }
  const entries: MountInfoEntry[] = [];
  const lines = text.split('\n');
  const count = lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
  if (count > MAX_MOUNTINFO_LINES) {
    throw new InputError(
      `the mount table has ${count.toLocaleString('en-US')} lines, more than the ${MAX_MOUNTINFO_LINES.toLocaleString('en-US')} this tool reads (a real one has hundreds; a host with thousands of containers a few tens of thousands). Nothing was read`,
      { file, line: MAX_MOUNTINFO_LINES + 1, column: 1 },
    );
  }
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (i === 0 && raw.charCodeAt(0) === 0xfeff) raw = ` ${raw.slice(1)}`; // a BOM: keep columns right
    if (raw.trim() === '') continue;
    entries.push(parseLine(raw, file, i + 1));
  }
  return entries;
}

interface Field {
  text: string;
  /** 1-based column of its first character. */
  column: number;
}

function parseLine(raw: string, file: string, line: number): MountInfoEntry {
  const fail = (message: string, column: number): never => {
    throw new InputError(message, { file, line, column });
  };
  const tab = raw.indexOf('\t');
  if (tab >= 0) fail('unexpected tab character (the kernel writes a tab inside a path as \\011)', tab + 1);

  // Leading and trailing blanks are tolerated; inside the line, fields are separated by exactly one space.
  let start = 0;
  while (raw.charCodeAt(start) === 32) start++;
  let end = raw.length;
  while (end > start && raw.charCodeAt(end - 1) === 32) end--;
  const fields: Field[] = [];
  let pos = start;
  for (;;) {
    const space = raw.indexOf(' ', pos);
    const stop = space < 0 || space >= end ? end : space;
    fields.push({ text: raw.slice(pos, stop), column: pos + 1 });
    if (stop >= end) break;
    pos = stop + 1;
  }
  const past = end + 1;

  const tooFew = (): never => fail(`expected at least 10 fields (${LINE_SHAPE}), found ${fields.length}`, past);
  if (fields.length < 6) tooFew();
  let sep = -1;
  for (let i = 6; i < fields.length; i++) {
    if (fields[i]!.text === '-') {
      sep = i;
      break;
    }
  }
  if (sep < 0 && fields.length < 10) tooFew();
  if (sep < 0) fail(`missing the " - " separator before the file system type (${LINE_SHAPE})`, fields[6]?.column ?? past);
  const tail = fields.length - sep - 1;
  if (tail < 3) fail(`expected FSTYPE SOURCE SUPEROPTIONS after " - ", found ${tail} field${tail === 1 ? '' : 's'}`, past);
  if (tail > 3) fail('unexpected field after the super options', fields[sep + 4]!.column);

  const f = (i: number): Field => fields[i]!;
  const nonEmpty = (field: Field, what: string): void => {
    if (field.text === '') fail(`empty ${what} (two spaces in a row)`, field.column);
  };
  const integer = (field: Field, what: string): number => {
    nonEmpty(field, what);
    if (!/^\d+$/.test(field.text)) fail(`${what} must be a decimal number, found "${field.text}"`, field.column);
    return Number(field.text);
  };

  const id = integer(f(0), 'mount ID');
  const parentId = integer(f(1), 'parent ID');
  nonEmpty(f(2), 'MAJ:MIN');
  if (!/^\d+:\d+$/.test(f(2).text)) fail(`MAJ:MIN must look like 8:1, found "${f(2).text}"`, f(2).column);
  nonEmpty(f(3), 'root');
  const root = unescapeField(f(3), fail);
  nonEmpty(f(4), 'mount point');
  const mountPoint = unescapeField(f(4), fail);
  if (!mountPoint.startsWith('/')) fail(`mount point must be an absolute path, found "${mountPoint}"`, f(4).column);
  nonEmpty(f(5), 'mount options');
  const mountOptions = unescapeField(f(5), fail, false).split(',');
  const optionalFields: string[] = [];
  for (let i = 6; i < sep; i++) {
    nonEmpty(f(i), 'optional field');
    optionalFields.push(unescapeField(f(i), fail, false));
  }
  nonEmpty(f(sep + 1), 'file system type');
  const fsType = unescapeField(f(sep + 1), fail, false);
  const mountSource = unescapeField(f(sep + 2), fail, false);
  nonEmpty(f(sep + 3), 'super options');
  const superOptions = unescapeField(f(sep + 3), fail, false).split(',');

  return { id, parentId, majorMinor: f(2).text, root, mountPoint, mountOptions, optionalFields, fsType, mountSource, superOptions, line };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Undoes the kernel's `\ooo` escapes (space, tab, newline, backslash; any byte is accepted, as UTF-8).
 * ROOT and the mount point always go through the kernel's escaping, so a stray backslash there is an
 * error (`strict`); the other fields are printed by each file system and may hold a raw backslash
 * (9p's `path=C:\;`), which is kept as is.
 */
function unescapeField(field: Field, fail: (message: string, column: number) => never, strict = true): string {
  const s = field.text;
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\') {
      const digits = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 0o377) {
        if (!strict) {
          bytes.push(0x5c);
          i++;
          continue;
        }
        fail(`invalid escape "${s.slice(i, i + 4)}": expected a backslash and three octal digits (\\040 is a space)`, field.column + i);
      }
      bytes.push(parseInt(digits, 8));
      i += 4;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of encoder.encode(ch)) bytes.push(b);
    i += ch.length;
  }
  return decoder.decode(new Uint8Array(bytes));
}

// ---------------------------------------------------------------------------------------------------
// Interpretation

/** What a mount table says about persistence, as the core wants it. */
export interface MountInfoView {
  /** Every mount but `/` (described by rootStatus) and the engine's own files, in mountinfo order. */
  mounts: Mount[];
  rootStatus: Status;
  rootReadOnly: boolean;
  containerId?: string;
  insideContainer: boolean;
  /**
   * A pod's container (kubelet directories, a kubepods cgroup, a service account token mount): every listed mount
   * then carries its pod storage (`Mount.pod`) and the pod table applies.
   */
  insidePod: boolean;
}

export interface InterpretOptions {
  /**
   * Text of `/proc/self/cgroup`, a further source of the container id (cgroup v1, or v2 without a private
   * cgroup namespace). Optional so that interpretation stays a pure function of its inputs.
   */
  cgroup?: string;
}

/** File systems that hold no user data; kept so that paths under them classify, never listed. */
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'mqueue',
  'devtmpfs',
  'securityfs',
  'debugfs',
  'tracefs',
  'bpf',
  'pstore',
  'configfs',
  'fusectl',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'efivarfs',
  'selinuxfs',
  'rpc_pipefs',
  'nfsd',
  'nsfs',
  'binder',
  'rootfs',
  'fuse.lxcfs',
  'fuse.gvfsd-fuse',
  'fuse.portal',
]);
const MEMORY_FS = new Set(['tmpfs', 'ramfs']);
/** A container root: the engine's union file system over the image layers. */
const UNION_ROOT_FS = new Set(['overlay', 'overlayfs', 'fuse-overlayfs', 'fuse.fuse-overlayfs', 'aufs']);
/** Storage drivers that give the root a plain file system: the root's ROOT names the driver's directory. */
const DRIVER_ROOT = /\/(?:btrfs\/subvolumes|vfs\/dir|aufs\/mnt)\/[^/]+$/;
/** Docker Desktop's file sharing (macOS, Windows): the source is on the developer's machine. */
const DESKTOP_SHARE_FS = new Set(['fakeowner', 'fuse.grpcfuse', 'grpcfuse', 'osxfs', 'virtiofs']);

const HEX64 = /^[0-9a-f]{64}$/;
/** `.../volumes/<name>/_data`, optionally with a volume subpath below it; lazy, so the engine's own dir wins. */
const VOLUME_ROOT = /^.*?\/volumes\/([^/]+)\/_data(?:\/.*)?$/;
/** A Kubernetes disk emptyDir: `/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>`. */
const EMPTY_DIR_ROOT = /\/volumes\/kubernetes\.io~empty-dir\/([^/]+)(?:\/.*)?$/;
/**
 * Files the engine writes per container (hosts, hostname, resolv.conf, .containerenv, secrets): Docker's
 * `containers/<id>/`, Podman's `<driver>-containers/<id>/userdata/` (`overlay-`, and `vfs-` for rootless Podman
 * without fuse-overlayfs).
 */
const ENGINE_FILE_ROOT = /\/(?:(?:overlay|vfs|btrfs|zfs|aufs|devicemapper)-)?containers\/([0-9a-f]{64})\//;
/** Where an engine binds the files it generates into a container. */
const ENGINE_FILE_POINTS = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv']);
/** The same from a CRI runtime's pod sandbox or the kubelet: engine files, but not this container's id. */
const SANDBOX_FILE_ROOT = /\/sandboxes\/[0-9a-f]{64}\/|\/pods\/[0-9a-f-]{36}\/(?:etc-hosts$|containers\/)/;
/**
 * Mount points inside an engine's own data root, seen when that root is bound into this container (a Docker
 * host's `/var/lib/docker`, or Podman's storage): other containers' root file systems (`.../overlay2/<id>/merged`
 * and everything mounted below them) and the engine's network namespaces. They are the engine's, not the user's.
 */
const ENGINE_INTERNAL_POINT =
  /(?:^|\/)(?:docker|containers\/storage)\/(?:overlay2?|fuse-overlayfs)\/[^/]+\/merged(?:\/|$)|^\/(?:var\/)?run\/(?:docker\/)?netns\/|(?:^|\/)docker\/containers\/[0-9a-f]{64}\/mounts\//;
/** The init process the engine injects (`docker run --init`, podman's catatonit). */
const ENGINE_INIT_POINTS = new Set(['/sbin/docker-init', '/run/podman-init']);
/** A container's cgroup path: `/docker/<id>`, `/system.slice/docker-<id>.scope`, `libpod-<id>.scope`. */
const CGROUP_ID = /(?:^|\/)(?:docker|libpod|crio|cri-containerd)[-/]([0-9a-f]{64})(?:\.scope)?(?=\/|$)/g;

/** Kubernetes cgroup v1 (cgroupfs driver): `/kubepods/<qos>/pod<uid>/<64 hex>`. */
const KUBEPODS_ID = /\/kubepods[^:]*\/([0-9a-f]{64})$/;

/** The innermost container id a cgroup path names (Docker in Docker nests `/docker/<outer>/docker/<inner>`). */
function lastCgroupId(path: string): string | undefined {
  // A pod in a minikube or kind node on Docker: `/docker/<node>/kubepods/.../<container>`; the pod's container is the last one.
  const kube = KUBEPODS_ID.exec(path)?.[1];
  if (kube) return kube;
  let id: string | undefined;
  for (const m of path.matchAll(CGROUP_ID)) id = m[1];
  return id ?? KUBEPODS_ID.exec(path)?.[1];
}

function isReadOnly(e: MountInfoEntry): boolean {
  return e.mountOptions.includes('ro') || e.superOptions.includes('ro');
}

/** The kernel appends `//deleted` to the root of a bind whose source was removed. */
function stripDeleted(root: string): string {
  return root.endsWith('//deleted') ? root.slice(0, -'//deleted'.length) || '/' : root;
}

/**
 * Orders mounts stacked at one mount point bottom to top. mountinfo lists them in mount order almost
 * always; the parent link is the authority (the upper mount's parent is the one it covers).
 */
function orderStacks(entries: MountInfoEntry[]): MountInfoEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const slots = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const list = slots.get(e.mountPoint);
    if (list) list.push(i);
    else slots.set(e.mountPoint, [i]);
  });
  const out = entries.slice();
  for (const indices of slots.values()) {
    if (indices.length < 2) continue;
    const depth = (e: MountInfoEntry): number => {
      let d = 0;
      const seen = new Set<number>([e.id]);
      let p = byId.get(e.parentId);
      while (p && p.mountPoint === e.mountPoint && !seen.has(p.id)) {
        seen.add(p.id);
        d++;
        p = byId.get(p.parentId);
      }
      return d;
    };
    const stack = indices.map((i) => entries[i]!).map((e, k) => ({ e, d: depth(e), k }));
    stack.sort((a, b) => a.d - b.d || a.k - b.k);
    indices.forEach((slot, k) => (out[slot] = stack[k]!.e));
  }
  return out;
}

interface Context {
  host: boolean;
  entries: MountInfoEntry[];
  /** MAJ:MIN of memory file systems mounted whole (ROOT `/`) in this view. */
  wholeTmpfs: Set<string>;
  /** MAJ:MIN of every memory file system in this view. */
  tmpfsDevices: Set<string>;
}

/**
 * Reads what a mount table says about persistence.
 *
 * - The root on `overlay` (rootless Podman: `fuse.fuse-overlayfs`), or engine files mounted in, or a
 *   container cgroup: inside a container, everything no mount covers is the writable layer.
 * - Otherwise a host: a root on tmpfs/ramfs (NixOS impermanence) is `tmpfs`, a root on a disk is the host's
 *   own disk, reported as `bind-mount` (host-owned storage).
 * - ROOT `.../volumes/<name>/_data`: a named volume, or an anonymous one when the name is 64 hex digits.
 * - A Kubernetes disk emptyDir (ROOT `.../volumes/kubernetes.io~empty-dir/<name>`): `anonymous-volume`.
 *   It lives as long as the pod: container restarts keep it, a new pod starts empty; that is the
 *   anonymous-volume row of the table (survives restart, lost on recreate).
 * - tmpfs/ramfs: `tmpfs`. One with a ROOT other than `/` is a bind of a directory on a tmpfs: when that
 *   tmpfs is mounted whole in this view (the container's own /dev, for /proc/keys) it is the same tmpfs;
 *   otherwise (a host tmpfs bound into a container, any bind on a host) it is a `bind-mount` with
 *   `hostOnTmpfs`, which a reboot empties.
 * - ROOT `.../containers/<64 hex>/...`: a file the engine generates (hosts, hostname, resolv.conf): not
 *   listed; the id is the container's unless a cgroup names the container (with `network_mode:
 *   container:X` those files are X's).
 * - proc, sysfs, cgroup, devpts, mqueue and the like: `pseudo`.
 * - Anything else is a `bind-mount` whose source is the host path (ROOT; on a host view, the path where
 *   that device is mounted plus ROOT).
 */
export function interpretMountInfo(entries: MountInfoEntry[], options: InterpretOptions = {}): MountInfoView {
  const ordered = orderStacks(entries);
  const rootEntries = ordered.filter((e) => e.mountPoint === '/');
  const rootEntry = rootEntries[rootEntries.length - 1];

  let engineFileId: string | undefined;
  let cgroupId: string | undefined;
  for (const e of ordered) {
    // Only where a container has them: a host that runs containers has mounts from the engine's folders too
    // (Podman's userdata, a bound /var/lib/docker), and is not inside a container for that.
    const m = ENGINE_FILE_POINTS.has(e.mountPoint) ? ENGINE_FILE_ROOT.exec(e.root) : null;
    if (m && !engineFileId) engineFileId = m[1];
    if ((e.fsType === 'cgroup' || e.fsType === 'cgroup2') && !cgroupId) cgroupId = lastCgroupId(e.root);
  }
  if (!cgroupId && options.cgroup) {
    for (const line of options.cgroup.split('\n')) {
      const path = line.replace(/\r$/, '').split(':').slice(2).join(':');
      cgroupId = lastCgroupId(path) ?? cgroupId;
      if (cgroupId) break;
    }
  }
  const containerId = cgroupId ?? engineFileId;

  const unionRoot = rootEntry !== undefined && (UNION_ROOT_FS.has(rootEntry.fsType) || DRIVER_ROOT.test(rootEntry.root));
  const insideContainer = unionRoot || containerId !== undefined;
  const rootStatus: Status = insideContainer ? 'writable-layer' : rootEntry && MEMORY_FS.has(rootEntry.fsType) ? 'tmpfs' : 'bind-mount';
  const rootReadOnly = rootEntry ? isReadOnly(rootEntry) : false;

  const ctx: Context = { host: !insideContainer, entries: ordered, wholeTmpfs: new Set(), tmpfsDevices: new Set() };
  for (const e of ordered) {
    if (!MEMORY_FS.has(e.fsType)) continue;
    ctx.tmpfsDevices.add(e.majorMinor);
    if (e.root === '/') ctx.wholeTmpfs.add(e.majorMinor);
  }

  const insidePod = insideContainer && looksLikePod(ordered);
  const mounts: Mount[] = [];
  for (const e of ordered) {
    if (e.mountPoint === '/') continue;
    let m = interpretEntry(e, ctx);
    if (m && insidePod && !m.pod) {
      const pod = otherPodStorage(e, m);
      if (pod) m = { ...m, pod };
    }
    if (m) mounts.push(m);
  }
  return { mounts, rootStatus, rootReadOnly, ...(containerId ? { containerId } : {}), insideContainer, insidePod };
}

function interpretEntry(e: MountInfoEntry, ctx: Context): Mount | undefined {
  const target = normalizePosix(e.mountPoint);
  const readOnly = isReadOnly(e);
  const mount = (status: MountStatus, extra: Partial<Mount> = {}): Mount => ({ target, status, ...extra, readOnly, origin: 'mountinfo' });

  if (ENGINE_FILE_ROOT.test(e.root) || SANDBOX_FILE_ROOT.test(e.root) || ENGINE_INIT_POINTS.has(target)) return undefined;
  // Kept for classification (a path there is the engine's storage), never listed as the user's.
  if (ENGINE_INTERNAL_POINT.test(target)) return mount('bind-mount', { source: e.root, pseudo: true });
  if (PSEUDO_FS.has(e.fsType)) return mount('tmpfs', { pseudo: true });

  // Kubelet paths first: in a minikube or kind node on Docker the whole kubelet root lives inside the engine
  // volume "minikube", and a pod's emptyDir there must not read as that named volume.
  const kube = kubeletStorage(stripDeleted(e.root));
  if (kube?.storage.status === 'empty-dir' && !kube.storage.lifecycleUnknown)
    return mount('anonymous-volume', { source: kube.source, pod: kube.storage });
  if (kube) {
    const plain = interpretPlain(e, ctx, target, readOnly);
    return { ...plain, pod: kube.storage };
  }

  const volume = VOLUME_ROOT.exec(e.root);
  if (volume) {
    const name = volume[1]!;
    return mount(HEX64.test(name) ? 'anonymous-volume' : 'named-volume', { source: name });
  }
  const emptyDir = EMPTY_DIR_ROOT.exec(e.root);
  if (emptyDir) return mount('anonymous-volume', { source: emptyDir[1]! });
  return interpretPlain(e, ctx, target, readOnly);
}

/** A mount that is neither an engine volume nor an engine file: memory, or a bind of a host path. */
function interpretPlain(e: MountInfoEntry, ctx: Context, target: string, readOnly: boolean): Mount {
  const mount = (status: MountStatus, extra: Partial<Mount> = {}): Mount => ({ target, status, ...extra, readOnly, origin: 'mountinfo' });

  if (MEMORY_FS.has(e.fsType)) {
    // Masks over kernel files (/proc/keys is /dev's tmpfs, /sys/firmware an empty one): not user data.
    const mask = isWithin(target, '/proc') || isWithin(target, '/sys');
    const sub = stripDeleted(e.root);
    if (sub === '/' || (!ctx.host && ctx.wholeTmpfs.has(e.majorMinor))) return mount('tmpfs', mask ? { pseudo: true } : {});
    return mount('bind-mount', { source: ctx.host ? hostPathOf(e, ctx) : sub, hostOnTmpfs: true, ...(mask ? { pseudo: true } : {}) });
  }

  return mount('bind-mount', {
    source: ctx.host ? hostPathOf(e, ctx) : containerBindSource(e),
    ...(ctx.host && ctx.tmpfsDevices.has(e.majorMinor) ? { hostOnTmpfs: true } : {}),
  });
}

/** Where a bind's files are on the host, as far as a container can tell. */
function containerBindSource(e: MountInfoEntry): string {
  const root = stripDeleted(e.root);
  // Docker Desktop (macOS): ROOT is relative to the shared folder named by the source (/run/host_mark/Users).
  if (e.fsType === 'fakeowner' && e.mountSource.startsWith('/run/host_mark/')) {
    const share = e.mountSource.slice('/run/host_mark'.length);
    return isWithin(root, share) ? root : normalizePosix(`${share}/${root}`);
  }
  if (DESKTOP_SHARE_FS.has(e.fsType) && isWithin(root, '/host_mnt')) return root.slice('/host_mnt'.length) || '/';
  // Docker Desktop on WSL 2: a 9p share of a Windows drive ("C:\"), ROOT relative to it.
  if (e.fsType === '9p' && /^[A-Za-z]:\\$/.test(e.mountSource)) return e.mountSource + root.slice(1).replace(/\//g, '\\');
  if (e.fsType === 'overlay' || e.fsType === 'fuse.fuse-overlayfs') return upperDir(e) ?? e.mountSource;
  // A whole file system (a disk, an NFS export, a PersistentVolume): its host path is not visible, its device is.
  if (root === '/') return e.mountSource && e.mountSource !== 'none' ? e.mountSource : root;
  return root;
}

function upperDir(e: MountInfoEntry): string | undefined {
  const opt = e.superOptions.find((o) => o.startsWith('upperdir='));
  return opt?.slice('upperdir='.length);
}

/**
 * On a host, a bind's ROOT is relative to its file system, which is itself mounted somewhere: the host
 * path is that mount point plus the rest (a bind from /persist shows ROOT /home/u on /persist's device).
 */
function hostPathOf(e: MountInfoEntry, ctx: Context): string {
  if (e.fsType === 'fuse.bindfs' && e.mountSource.startsWith('/')) return e.mountSource;
  if (e.fsType === 'overlay' || e.fsType === 'fuse.fuse-overlayfs') return upperDir(e) ?? e.mountPoint;
  const root = stripDeleted(e.root);
  if (root === '/') return normalizePosix(e.mountPoint);
  let best: MountInfoEntry | undefined;
  for (const c of ctx.entries) {
    if (c === e || c.majorMinor !== e.majorMinor || !isWithin(root, c.root) || (c.root === root && c.id > e.id)) continue;
    // The mount whose ROOT is the longest prefix of this one is the nearest view of the same directory
    // (a btrfs subvolume mount, a parent bind); on a tie, the oldest mount, usually the original.
    if (!best || c.root.length > best.root.length || (c.root.length === best.root.length && c.id < best.id)) best = c;
  }
  if (!best) return normalizePosix(e.mountPoint);
  const rest = best.root === '/' ? root : root.slice(best.root.length);
  return normalizePosix(`${best.mountPoint}/${rest}`);
}
