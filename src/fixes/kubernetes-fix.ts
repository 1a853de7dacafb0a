import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap } from 'yaml';
import { MountTable } from '../core/mount-table';
import { podSurvivalOf } from '../core/pod-survival';
import { InputError } from '../core/types';
import { MAX_ALIAS_COUNT, parseManifestText } from '../sources/kubernetes/read';
import { podSpecPathOf, kubernetesTargets, targetName, workloadContainers } from '../sources/kubernetes/workloads';
// isNullNode is YAML's, not compose's: an absent value, `~` or `null`
import { isNullNode } from './compose-syntax';
import { contentEnd, detectEol, lineStart, nextLineStart, positionOf, applyEdits, type TextEdit } from './text';
import { FixRefusal, type FixOutcome } from './types';

/**
 * Making a path of a pod's container persistent, as the smallest edit of the manifest, with the compose planner's
 * guarantees: the result parses, its data is the old data plus exactly the intended entries, every other line is
 * kept, and planning again on the result answers "already persisted".
 *
 * - The path is an emptyDir's mount: the emptyDir becomes a PersistentVolumeClaim (the volume's `emptyDir:` key is
 *   replaced) and a PersistentVolumeClaim document is appended to the file. A StatefulSet gets a
 *   `volumeClaimTemplates` entry of the volume's name instead, which takes precedence over the pod volume.
 * - The path is in the writable layer: a volumeMount on a new claim (a volume and a PVC document, or a claim
 *   template for a StatefulSet).
 */

export interface KubernetesFixRequest {
  file: string;
  text: string;
  /** `<Kind>/<name>/<container>`; optional when the file has one container. */
  target?: string;
  /** Absolute container path. */
  path: string;
  /** Name for the claim (and the new volume); default `<workload>-<last path segment>`. */
  claimName?: string;
  /** Requested size of the new claim. */
  size?: string;
}

const DEFAULT_SIZE = '10Gi';
const PARSE_OPTIONS = { keepSourceTokens: true, uniqueKeys: false } as const;

type Obj = Record<string, unknown>;

interface Ctx {
  req: KubernetesFixRequest;
  text: string;
  eol: string;
  docs: Document.Parsed[];
  edits: TextEdit[];
  /** A file that ends without a line break gets one, once, before the appended document. */
  eofBreakAdded?: boolean;
}

function refuse(ctx: Pick<Ctx, 'text' | 'req'>, message: string, node?: Node | null): never {
  const at = node?.range ? positionOf(ctx.text, node.range[0]) : { line: 1, column: 1 };
  throw new FixRefusal(message, { file: ctx.req.file, ...at });
}

function range(node: Node): [number, number, number] {
  if (!node.range) throw new Error('node without a source range');
  return node.range;
}

function columnOf(text: string, node: Node): number {
  return range(node)[0] - lineStart(text, range(node)[0]);
}

function toData(docs: readonly Document.Parsed[]): unknown[] {
  return docs.map((d) => d.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
}

/** A DNS-1123 label: lower case letters, digits and `-`, at most 63 characters, letters or digits at both ends. */
export function dnsLabel(raw: string): string {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s || 'data';
}

export function planKubernetesFix(req: KubernetesFixRequest): FixOutcome {
  if (!req.path.startsWith('/'))
    throw new FixRefusal(`"${req.path}" is not an absolute container path`, { file: req.file, line: 1, column: 1 });
  const text = req.text;
  // The reader's checks (size, alias expansion, valid YAML, located errors) hold for the planner too.
  const objects = parseManifestText(text, req.file);
  const all = workloadContainers(objects);
  const names = all.map(targetName);
  const wanted = req.target ?? (names.length === 1 ? names[0] : undefined);
  if (!wanted)
    refuse(
      { text, req },
      `${req.file} has ${names.length ? `several containers (${names.join(', ')})` : 'no workload containers'}: name one with --service <Kind>/<name>/<container>`,
    );
  const container = all.find((c) => targetName(c) === wanted);
  if (!container) refuse({ text, req }, `${wanted} is not declared in ${req.file} (containers: ${names.join(', ') || 'none'})`);

  // Already safe? Judged by the same reading as scan --kubernetes.
  const input = kubernetesTargets(objects).targets.find((t) => t.name === wanted)!;
  const covering = new MountTable(input.mounts).covering(req.path);
  const survivesPodDelete = covering?.pod ? podSurvivalOf(covering.pod).podDelete : false;
  if (covering && (covering.readOnly || survivesPodDelete)) {
    const where = covering.declaredAt ? ` (${covering.declaredAt.file}:${covering.declaredAt.line})` : '';
    return {
      status: 'already-persisted',
      file: req.file,
      message: `${req.path} ${covering.readOnly ? 'is on a read-only mount' : `is already kept by the ${covering.pod?.status ?? 'volume'} ${covering.source ?? ''}`.trimEnd()} at ${covering.target}${where}`,
    };
  }

  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const docList = Array.isArray(docs) ? docs : [docs];
  const ctx: Ctx = { req, text, eol: detectEol(text), docs: docList, edits: [] };
  const workload = container.workload;
  // The reader parsed the same text: the workload's document is the one that starts where its object does.
  const docIndex = docList.findIndex((d) => d.contents?.range?.[0] === workload.node.range?.[0]);
  const doc = docList[docIndex];
  if (!doc) refuse(ctx, `${wanted}: its document could not be found again`);
  const before = toData(docList);
  const expected = structuredClone(before) as Obj[];
  const expectedDoc = expected[docIndex]!;
  const podSpecPath = podSpecPathOf(workload.kind)!;
  const podSpec = doc.getIn(podSpecPath, true);
  if (!isMap(podSpec) || podSpec.flow)
    refuse(ctx, `the pod spec of ${workload.kind}/${workload.name} is not a block mapping; edit it by hand`, podSpec as Node);
  const podSpecJs = getIn(expectedDoc, podSpecPath) as Obj;
  const containerNode = doc.getIn([...podSpecPath, container.list, container.index], true);
  if (!isMap(containerNode) || containerNode.flow)
    refuse(ctx, `container ${container.name} is not a block mapping; edit it by hand`, containerNode as Node);
  const containerJs = (podSpecJs[container.list] as Obj[])[container.index]!;
  const statefulSet = workload.kind === 'StatefulSet';

  const taken = takenNames(
    objects.map((o) => o.data),
    podSpecJs,
    statefulSet ? (expectedDoc.spec as Obj) : undefined,
  );
  const claimName = req.claimName
    ? dnsLabel(req.claimName)
    : uniqueName(dnsLabel(`${workload.name}-${req.path.split('/').filter(Boolean).pop()?.replace(/^\.+/, '') || 'root'}`), taken);
  if (req.claimName && claimName !== req.claimName)
    refuse(ctx, `"${req.claimName}" is not a valid claim name (lower case letters, digits and -, at most 63)`);
  const size = req.size ?? DEFAULT_SIZE;
  const namespace = workload.namespace;
  let title: string;

  const mountHere = (containerJs.volumeMounts as Obj[] | undefined)?.findIndex((m) => m.mountPath === req.path) ?? -1;
  if (covering?.pod?.status === 'empty-dir' && covering.target === req.path && mountHere >= 0) {
    // 1. An emptyDir over the path: its data must outlive the pod.
    const volumeName = String((containerJs.volumeMounts as Obj[])[mountHere]!.name);
    const volumes = podSpec.get('volumes', true);
    const vIndex = (podSpecJs.volumes as Obj[]).findIndex((v) => v.name === volumeName);
    const volumeNode = isSeq(volumes) ? (volumes.items[vIndex] as Node) : undefined;
    if (!isMap(volumeNode) || volumeNode.flow) refuse(ctx, `the volume ${volumeName} is not a block mapping; edit it by hand`, volumeNode);
    if (statefulSet) {
      addClaimTemplate(ctx, doc, expectedDoc, volumeName, size);
      title = `Keep ${req.path} in a claim template "${volumeName}" of StatefulSet ${workload.name} (instead of the emptyDir)`;
    } else {
      replaceEmptyDir(ctx, volumeNode, (podSpecJs.volumes as Obj[])[vIndex]!, claimName);
      appendClaim(ctx, expected, claimName, namespace, size);
      title = `Replace the emptyDir "${volumeName}" at ${req.path} by the PersistentVolumeClaim "${claimName}"`;
    }
  } else {
    // 2. The writable layer (or a volume that dies with the pod, mounted above the path): a volumeMount on a new claim.
    const volumeName = claimName;
    addListItem(ctx, containerNode, containerJs, 'volumeMounts', [`name: ${volumeName}`, `mountPath: ${quote(req.path)}`], {
      name: volumeName,
      mountPath: req.path,
    });
    if (statefulSet) {
      addClaimTemplate(ctx, doc, expectedDoc, volumeName, size);
      title = `Mount a new claim template "${volumeName}" of StatefulSet ${workload.name} at ${req.path}`;
    } else {
      addListItem(ctx, podSpec, podSpecJs, 'volumes', [`name: ${volumeName}`, 'persistentVolumeClaim:', `  claimName: ${claimName}`], {
        name: volumeName,
        persistentVolumeClaim: { claimName },
      });
      appendClaim(ctx, expected, claimName, namespace, size);
      title = `Mount the new PersistentVolumeClaim "${claimName}" at ${req.path}`;
    }
  }

  const newText = applyEdits(text, ctx.edits);
  verify(ctx, newText, expected);
  return {
    status: 'planned',
    plan: { file: req.file, title, kind: 'add-named-volume', edits: ctx.edits, originalText: text, newText, volumeName: claimName },
  };
}

function getIn(data: unknown, path: readonly string[]): unknown {
  let cur = data;
  for (const k of path) cur = (cur as Obj | undefined)?.[k];
  return cur;
}

function takenNames(objects: readonly Obj[], podSpec: Obj, stsSpec: Obj | undefined): Set<string> {
  const taken = new Set<string>();
  for (const o of objects) if (o.kind === 'PersistentVolumeClaim') taken.add(String((o.metadata as Obj | undefined)?.name));
  for (const v of (podSpec.volumes as Obj[] | undefined) ?? []) taken.add(String(v.name));
  for (const t of (stsSpec?.volumeClaimTemplates as Obj[] | undefined) ?? []) taken.add(String((t.metadata as Obj | undefined)?.name));
  return taken;
}

function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const name = `${base.slice(0, 60)}-${i}`;
    if (!taken.has(name)) return name;
  }
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./~-]+$/.test(s) && !/^[-.]/.test(s) ? s : JSON.stringify(s);
}

/** Lines inserted at `offset`; the missing final line break is added first when inserting at the end. */
function linesAt(ctx: Ctx, offset: number, lines: string[]): TextEdit {
  const body = lines.map((l) => l + ctx.eol).join('');
  const needsBreak = offset === ctx.text.length && ctx.text.length > 0 && !ctx.text.endsWith('\n') && !ctx.eofBreakAdded;
  if (needsBreak) ctx.eofBreakAdded = true;
  return { offset, length: 0, text: (needsBreak ? ctx.eol : '') + body };
}

/** Offset just past the line that ends a node (its trailing comment included). */
function afterNodeLine(ctx: Ctx, node: Node): number {
  return nextLineStart(ctx.text, contentEnd(ctx.text, range(node)[2]));
}

/** Column of the dash of a block sequence's items relative to its key, as the file writes them (0 or 2, usually). */
function dashOffset(ctx: Ctx, map: YAMLMap): number {
  for (const pair of map.items) {
    const v = pair.value;
    if (isSeq(v) && !v.flow && v.items.length > 0 && isScalar(pair.key)) {
      const first = v.items[0] as Node;
      const dashLine = ctx.text.slice(lineStart(ctx.text, range(first)[0]), range(first)[0]);
      return Math.max(0, dashLine.lastIndexOf('-') - columnOf(ctx.text, pair.key as Node));
    }
  }
  return 0;
}

/** Adds `- <lines>` to the map's list under `key`, creating the key after the map's last entry when missing. */
function addListItem(ctx: Ctx, map: YAMLMap, js: Obj, key: string, lines: string[], value: Obj): void {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const seq = pair?.value;
  if (pair && isSeq(seq)) {
    if (seq.flow) refuse(ctx, `${key} is a flow list; edit it by hand`, seq);
    const last = seq.items[seq.items.length - 1] as Node | undefined;
    if (!last) refuse(ctx, `${key} is an empty list; edit it by hand`, seq);
    const start = range(last)[0];
    const prefix = ctx.text.slice(lineStart(ctx.text, start), start);
    const dash = prefix.lastIndexOf('-');
    const itemIndent = ' '.repeat(prefix.length);
    ctx.edits.push(
      linesAt(ctx, afterNodeLine(ctx, last), [`${' '.repeat(dash)}- ${lines[0]}`, ...lines.slice(1).map((l) => itemIndent + l)]),
    );
    (js[key] as Obj[]).push(value);
    return;
  }
  if (pair && !isNullNode(seq)) refuse(ctx, `${key} is not a list`, seq as Node);
  const first = map.items[0]!;
  const keyCol = columnOf(ctx.text, first.key as Node);
  const dashCol = keyCol + dashOffset(ctx, map);
  const itemLines = [`${' '.repeat(dashCol)}- ${lines[0]}`, ...lines.slice(1).map((l) => ' '.repeat(dashCol + 2) + l)];
  if (pair) {
    ctx.edits.push(linesAt(ctx, nextLineStart(ctx.text, contentEnd(ctx.text, range(pair.key as Node)[1])), itemLines));
  } else {
    const last = map.items[map.items.length - 1]!;
    const anchor = (
      last.value && typeof last.value === 'object' && 'range' in (last.value as object) && (last.value as Node).range
        ? last.value
        : last.key
    ) as Node;
    ctx.edits.push(linesAt(ctx, afterNodeLine(ctx, anchor), [`${' '.repeat(keyCol)}${key}:`, ...itemLines]));
  }
  js[key] = [value];
}

/** `emptyDir: {...}` → `persistentVolumeClaim: {claimName}` in place: the volume keeps its name and position. */
function replaceEmptyDir(ctx: Ctx, volume: YAMLMap, volumeJs: Obj, claimName: string): void {
  const pair = volume.items.find((p) => isScalar(p.key) && p.key.value === 'emptyDir');
  if (!pair) refuse(ctx, 'the volume has no emptyDir key', volume);
  const keyNode = pair.key as Node;
  const value = pair.value as Node | null;
  const start = range(keyNode)[0];
  const end = value && value.range ? contentEnd(ctx.text, range(value)[1]) : range(keyNode)[1] + 1;
  const indent = ' '.repeat(columnOf(ctx.text, keyNode));
  ctx.edits.push({ offset: start, length: end - start, text: `persistentVolumeClaim:${ctx.eol}${indent}  claimName: ${claimName}` });
  delete volumeJs.emptyDir;
  volumeJs.persistentVolumeClaim = { claimName };
}

function claimSpec(size: string): Obj {
  return { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } };
}

/** A PersistentVolumeClaim document at the end of the file. */
function appendClaim(ctx: Ctx, expected: Obj[], name: string, namespace: string | undefined, size: string): void {
  const lines = [
    '---',
    '# Added by Persistence Lens: the claim keeps this data when the pod is deleted, evicted or rescheduled. Adjust the size.',
    'apiVersion: v1',
    'kind: PersistentVolumeClaim',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${quote(namespace)}`] : []),
    'spec:',
    '  accessModes:',
    '    - ReadWriteOnce',
    '  resources:',
    '    requests:',
    `      storage: ${size}`,
  ];
  // A final `---` with nothing after it (or a document of only comments) would merge with ours: start a new one anyway.
  ctx.edits.push(linesAt(ctx, ctx.text.length, lines));
  expected.push({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: claimSpec(size),
  });
}

/** A `volumeClaimTemplates` entry of a StatefulSet (the list created after `spec`'s last entry when missing). */
function addClaimTemplate(ctx: Ctx, doc: Document.Parsed, expectedDoc: Obj, name: string, size: string): void {
  const spec = doc.get('spec', true);
  if (!isMap(spec) || spec.flow) refuse(ctx, 'the StatefulSet spec is not a block mapping; edit it by hand', spec as Node);
  const specJs = expectedDoc.spec as Obj;
  addListItem(
    ctx,
    spec,
    specJs,
    'volumeClaimTemplates',
    [
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  accessModes: ["ReadWriteOnce"]',
      '  resources:',
      '    requests:',
      `      storage: ${size}`,
    ],
    { metadata: { name }, spec: claimSpec(size) },
  );
}

/** The edit must give back the old data plus exactly the intended entries; otherwise nothing is returned. */
function verify(ctx: Ctx, newText: string, expected: unknown[]): void {
  const after = parseAllDocuments(newText, PARSE_OPTIONS);
  const list = Array.isArray(after) ? after : [after];
  const err = list.flatMap((d) => d.errors)[0];
  if (err) refuse(ctx, `the planned edit would not parse (${err.message.split('\n')[0]}); nothing was changed`);
  let data: unknown[];
  try {
    data = toData(list);
  } catch (e) {
    throw new InputError(`the planned edit could not be read back: ${(e as Error).message}`, { file: ctx.req.file, line: 1, column: 1 });
  }
  // Empty documents (a lone `---` at the end) read as null: they carry nothing.
  const clean = (xs: unknown[]): unknown[] => xs.filter((x) => x !== null && x !== undefined);
  if (!isDeepStrictEqual(clean(data), clean(expected)))
    refuse(ctx, 'the planned edit would change more than the intended entries; nothing was changed');
}

/**
 * `helm.sh/resource-policy: keep` on a Helm-managed claim, so `helm uninstall` leaves it (and its data) behind. The
 * annotation goes into the claim's `metadata.annotations`, created after `metadata`'s last entry when missing.
 */
export function planHelmKeepAnnotation(req: { file: string; text: string; claim: string }): FixOutcome {
  const text = req.text;
  const ctx: Ctx = { req: { file: req.file, text, path: '/' }, text, eol: detectEol(text), docs: [], edits: [] };
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  ctx.docs = list;
  const expected = structuredClone(toData(list)) as Obj[];
  const index = expected.findIndex((o) => o?.kind === 'PersistentVolumeClaim' && (o.metadata as Obj | undefined)?.name === req.claim);
  if (index < 0) refuse(ctx, `no PersistentVolumeClaim "${req.claim}" in ${req.file}`);
  const meta = list[index]!.get('metadata', true);
  if (!isMap(meta) || meta.flow) refuse(ctx, `the metadata of claim ${req.claim} is not a block mapping; edit it by hand`, meta as Node);
  const metaJs = expected[index]!.metadata as Obj;
  const annotations = meta.get('annotations', true);
  const line = 'helm.sh/resource-policy: keep';
  if (isMap(annotations) && !annotations.flow && annotations.items.length > 0) {
    if ((metaJs.annotations as Obj)['helm.sh/resource-policy'] !== undefined)
      return { status: 'already-persisted', file: req.file, message: `claim ${req.claim} already has helm.sh/resource-policy` };
    const last = annotations.items[annotations.items.length - 1]!;
    const keyCol = columnOf(text, annotations.items[0]!.key as Node);
    const anchor = (last.value && (last.value as Node).range ? last.value : last.key) as Node;
    ctx.edits.push(linesAt(ctx, afterNodeLine(ctx, anchor), [`${' '.repeat(keyCol)}${line}`]));
    (metaJs.annotations as Obj)['helm.sh/resource-policy'] = 'keep';
  } else if (annotations === undefined || annotations === null) {
    const keyCol = columnOf(text, meta.items[0]!.key as Node);
    const last = meta.items[meta.items.length - 1]!;
    const anchor = (last.value && (last.value as Node).range ? last.value : last.key) as Node;
    ctx.edits.push(linesAt(ctx, afterNodeLine(ctx, anchor), [`${' '.repeat(keyCol)}annotations:`, `${' '.repeat(keyCol + 2)}${line}`]));
    metaJs.annotations = { 'helm.sh/resource-policy': 'keep' };
  } else {
    refuse(ctx, `the annotations of claim ${req.claim} are not a block mapping; edit them by hand`, annotations as Node);
  }
  const newText = applyEdits(text, ctx.edits);
  verify(ctx, newText, expected);
  return {
    status: 'planned',
    plan: {
      file: req.file,
      title: `Keep the claim "${req.claim}" on helm uninstall (helm.sh/resource-policy: keep)`,
      kind: 'add-named-volume',
      edits: ctx.edits,
      originalText: text,
      newText,
      volumeName: req.claim,
    },
  };
}
