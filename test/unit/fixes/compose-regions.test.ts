/**
 * Planning a compose quick fix in the service's own lines (compose-regions.ts, issue #14) gives exactly the plan
 * of the whole file: the same edits, title and new text, or the same refusal. Over the shared corpus, the
 * bench's 500-service file, and files made to trip it: anchors, aliases and merge keys across services,
 * comments between services, block scalars, a file that ends in a service without a line break, CRLF.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, parseDocument } from 'yaml';
import { planComposeFix, type ComposeFixRequest } from '../../../src/fixes/compose-fix';
import { serviceLayout } from '../../../src/fixes/compose-regions';
import { CORPUS_DIR } from '../helpers/corpus';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

function outcome(req: ComposeFixRequest): unknown {
  try {
    const o = planComposeFix(req);
    if (o.status !== 'planned') return o;
    const p = o.plan;
    return { title: p.title, kind: p.kind, edits: p.edits, newText: p.newText, volumeName: p.volumeName, bindSource: p.bindSource };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

/** Every service × path × mode: the region plan equals the whole-file plan. Returns how many used regions. */
function compare(file: string, text: string, paths: string[]): number {
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  const services = doc.errors.length === 0 ? doc.get('services', true) : undefined;
  if (!isMap(services)) return 0;
  let regional = 0;
  for (const pair of services.items) {
    const service = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (serviceLayout(text, service)) regional++;
    for (const path of paths) {
      for (const mode of ['volume', 'bind'] as const) {
        const req = { file, text, service, path, mode, takenNames: new Set(['taken']) };
        const whole = outcome(req);
        const region = outcome({ ...req, textAlreadyLoaded: true });
        assert.deepEqual(region, whole, `${file} service ${service} ${path} ${mode}`);
      }
    }
  }
  return regional;
}

function bigFile(services: number): string {
  let y = 'services:\n';
  for (let s = 0; s < services; s++) {
    y += `  svc${s}:\n    image: postgres:16\n    environment:\n      PGDATA: \${PGDATA:-/var/lib/postgresql/data}\n    volumes:\n`;
    for (let v = 0; v < 10; v++)
      y +=
        v % 3 === 0
          ? `      - type: bind\n        source: ./d${v}\n        target: /b/${v}\n`
          : `      - vol${v}:/data/${v}${v % 2 ? ':ro' : ''}\n`;
  }
  y += 'volumes:\n';
  for (let v = 0; v < 10; v++) y += `  vol${v}:\n`;
  return y;
}

const TRICKY: Record<string, string> = {
  'anchors in other services': `x-base: &base
  image: busybox
services:
  a:
    <<: *base
    volumes: &shared
      - one:/one
  b:
    volumes: *shared
  c:
    image: alpine
    # a comment about d
  d:
    <<: *base
    tmpfs:
      - /data
volumes:
  one:
`,
  'merge key to another service': `services:
  base: &svc
    image: busybox
    volumes:
      - a:/a
  child:
    <<: *svc
  other:
    image: x
`,
  'comments and block scalars': `# top
services:
  # first
  a:
    image: busybox
    command: |
      echo one
        two
    # trailing comment of a

  # about b
  b:
    image: busybox
    volumes: ["x:/x", 'y:/y']
  c:
    image: busybox
    environment:
      NOTE: "a long
        quoted value"
volumes: {x: {}, y: {}}
`,
  'services last, no final line break': `volumes:
  v1:
services:
  a:
    image: busybox
  b:
    image: busybox
    volumes:
      - type: volume
        source: v1
        target: /v1
  c:
    image: busybox`,
  'crlf and a tmpfs':
    'services:\r\n  a:\r\n    image: busybox\r\n    tmpfs: /data\r\n  b:\r\n    image: busybox\r\n    tmpfs:\r\n      - /data\r\n      - /run\r\n',
  'podman options elsewhere': `services:
  a:
    image: busybox
  b:
    image: busybox
    volumes:
      - data:/d:Z,U
volumes:
  data:
`,
  'a service written twice, a flow service': `services:
  a:
    image: busybox
  a:
    image: alpine
  f: {image: busybox}
  g:
    image: busybox
`,
};

describe("compose quick fixes planned in the service's lines", () => {
  it('plan exactly as the whole file on the shared corpus', () => {
    let regional = 0;
    for (const file of files(CORPUS_DIR))
      regional += compare(relative(process.cwd(), file), readFileSync(file, 'utf8'), ['/persistence-lens/fresh', '/data']);
    assert.ok(regional > 20, `only ${regional} corpus services were planned in their lines: the test would prove nothing`);
  });

  it("plan exactly as the whole file on the bench's 500-service file, in its lines", () => {
    const text = bigFile(500);
    for (const service of ['svc0', 'svc250', 'svc499']) assert.ok(serviceLayout(text, service), service);
    const doc = parseDocument(text);
    const few = parseDocument(bigFile(500));
    assert.equal(doc.errors.length + few.errors.length, 0);
    // every service would take minutes over the whole file: the first, the middle, the last
    for (const service of ['svc0', 'svc250', 'svc499']) {
      for (const path of ['/var/lib/postgresql/data', '/b/3', '/data/1']) {
        for (const mode of ['volume', 'bind'] as const) {
          const req = { file: '/p/compose.yaml', text, service, path, mode };
          assert.deepEqual(outcome({ ...req, textAlreadyLoaded: true }), outcome(req), `${service} ${path} ${mode}`);
        }
      }
    }
  });

  for (const [name, text] of Object.entries(TRICKY)) {
    it(`plan exactly as the whole file: ${name}`, () => {
      compare('/p/compose.yaml', text, ['/data', '/one', '/new/place']);
    });
  }

  it('leave a file with anchors across the services to the whole file', () => {
    assert.equal(serviceLayout(TRICKY['merge key to another service']!, 'child'), undefined);
    assert.equal(serviceLayout(TRICKY['podman options elsewhere']!, 'a'), undefined);
    assert.ok(serviceLayout(TRICKY['comments and block scalars']!, 'b'));
  });
});
