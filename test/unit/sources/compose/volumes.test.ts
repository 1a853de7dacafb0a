import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../../src/core/types';
import { parseYamlWithLibrary, type LNode, type LSeq } from '../../../../src/sources/compose/node';
import {
  isHostPath,
  parseServiceTmpfs,
  parseServiceVolume,
  splitShortSyntax,
  volumeTargetOf,
} from '../../../../src/sources/compose/volumes';

const FILE = '/proj/compose.yaml';

/** The items of `volumes:` in a one-key YAML document, as located nodes. */
function items(yaml: string): LNode[] {
  const root = parseYamlWithLibrary(yaml, FILE, '/proj', (s) => s);
  return (root.entries.get('volumes')!.value as LSeq).items;
}

function one(entry: string): ReturnType<typeof parseServiceVolume> {
  return parseServiceVolume(items(`volumes:\n  - ${entry}\n`)[0]!, () => {});
}

describe('short volume syntax', () => {
  it('splits SOURCE:TARGET:MODE like compose-go', () => {
    assert.deepEqual(splitShortSyntax('data:/var/lib/data:ro'), { source: 'data', target: '/var/lib/data', options: ['ro'] });
    assert.deepEqual(splitShortSyntax('/anon'), { source: '', target: '/anon', options: [] });
    assert.deepEqual(splitShortSyntax('./a:/b'), { source: './a', target: '/b', options: [] });
    assert.deepEqual(splitShortSyntax('C:\\data:/data:rw,z'), { source: 'C:\\data', target: '/data', options: ['rw', 'z'] });
    assert.equal(splitShortSyntax(''), 'empty volume specification');
    assert.equal(splitShortSyntax('ab::c'), 'empty section between colons');
    assert.equal(splitShortSyntax('ab:/b:ro:x'), 'too many colons');
    // compose-go reads a one-letter source followed by a colon as a Windows drive, whatever follows.
    assert.deepEqual(splitShortSyntax('c:/data'), { source: '', target: 'c:/data', options: [] });
  });

  it('tells a bind from a volume name by the first character', () => {
    for (const p of ['./x', '../x', '.', '/abs', '~', '~/x', 'C:\\x', '\\\\server\\share']) assert.equal(isHostPath(p), true, p);
    for (const n of ['data', 'my-vol', 'vol_1', '']) assert.equal(isHostPath(n), false, n);
  });

  it('reads a named volume, with ro and the other modes', () => {
    assert.deepEqual(one('data:/var/lib/data'), {
      type: 'volume',
      source: 'data',
      target: '/var/lib/data',
      readOnly: false,
      declaredAt: { file: FILE, line: 2, column: 5 },
      raw: 'data:/var/lib/data',
    });
    assert.equal(one('data:/d:ro')!.readOnly, true);
    assert.equal(one('data:/d:ro,z')!.readOnly, true);
    assert.equal(one('data:/d:Z')!.readOnly, false);
    assert.equal(one('data:/d:rw')!.readOnly, false);
    assert.equal(one('data:/d:nocopy')!.readOnly, false);
  });

  it('reads binds and resolves their sources', () => {
    assert.deepEqual(
      { ...one('./src:/app:ro')!, declaredAt: undefined },
      { type: 'bind', source: '/proj/src', target: '/app', readOnly: true, declaredAt: undefined, raw: './src:/app:ro' },
    );
    assert.equal(one('../up:/up')!.source, '/up');
    assert.equal(one('.:/w')!.source, '/proj');
    assert.equal(one('/etc/hosts:/etc/hosts')!.source, '/etc/hosts');
    assert.equal(one('~/.ssh:/root/.ssh')!.source, join(homedir(), '.ssh'));
    assert.equal(one('~:/h')!.source, homedir());
  });

  it('reads a lone target as an anonymous volume', () => {
    const v = one('/var/cache')!;
    assert.equal(v.type, 'volume');
    assert.equal(v.source, undefined);
    assert.equal(v.target, '/var/cache');
  });

  it('normalizes the target', () => {
    assert.equal(one('data:/a/b/../c/')!.target, '/a/c');
  });

  it('rejects a relative target, an empty spec, a number, a null entry', () => {
    for (const bad of ['data:relative', '"ab::c"', '42', '', 'true']) {
      assert.throws(
        () => one(bad),
        (e: unknown) => e instanceof InputError && e.location?.file === FILE && e.location.line === 2,
        bad,
      );
    }
  });
});

describe('long volume syntax', () => {
  const long = (body: string) => parseServiceVolume(items(`volumes:\n  - ${body.trim().split('\n').join('\n    ')}\n`)[0]!, () => {});

  it('reads type volume, bind and tmpfs with their options', () => {
    assert.deepEqual(
      { ...long('type: volume\nsource: data\ntarget: /data\nvolume:\n  nocopy: true')!, raw: undefined },
      { type: 'volume', source: 'data', target: '/data', readOnly: false, declaredAt: { file: FILE, line: 2, column: 5 }, raw: undefined },
    );
    const bind = long('type: bind\nsource: ./cfg\ntarget: /etc/cfg\nread_only: true\nbind:\n  create_host_path: true')!;
    assert.equal(bind.type, 'bind');
    assert.equal(bind.source, '/proj/cfg');
    assert.equal(bind.readOnly, true);
    const tmp = long('type: tmpfs\ntarget: /scratch\ntmpfs:\n  size: 1000')!;
    assert.deepEqual([tmp.type, tmp.target, tmp.source], ['tmpfs', '/scratch', undefined]);
  });

  it('keeps the raw entry as written', () => {
    assert.deepEqual(long('type: volume\ntarget: /x\nread_only: "true"')!.raw, { type: 'volume', target: '/x', read_only: 'true' });
  });

  it('reads read_only written as a string (after interpolation)', () => {
    assert.equal(long('type: volume\ntarget: /x\nread_only: "true"')!.readOnly, true);
    assert.equal(long('type: volume\ntarget: /x\nread_only: "false"')!.readOnly, false);
  });

  it('reads a volume without source as anonymous', () => {
    assert.equal(long('type: volume\ntarget: /anon')!.source, undefined);
  });

  it('infers a missing type, with a warning', () => {
    const warnings: string[] = [];
    const v = parseServiceVolume(items('volumes:\n  - source: ./x\n    target: /x\n')[0]!, (w) => warnings.push(w));
    assert.equal(v!.type, 'bind');
    assert.match(warnings[0]!, /compose\.yaml:2:5: volume entry without "type"/);
  });

  it('skips npipe and image mounts with a warning', () => {
    const warnings: string[] = [];
    assert.equal(
      parseServiceVolume(items('volumes:\n  - type: npipe\n    source: x\n    target: /x\n')[0]!, (w) => warnings.push(w)),
      undefined,
    );
    assert.equal(warnings.length, 1);
  });

  it('rejects a missing target, a bind without source, an unknown type, a bad read_only', () => {
    const cases: Array<[string, number]> = [
      ['type: volume\nsource: data', 2],
      ['type: bind\ntarget: /x', 2],
      ['type: weird\ntarget: /x', 2],
      ['type: volume\ntarget: /x\nread_only: maybe', 4],
      ['type: volume\nsource: ./path\ntarget: /x', 3],
      ['type: [volume]\ntarget: /x', 2],
    ];
    for (const [body, line] of cases) {
      assert.throws(
        () => long(body),
        (e: unknown) => e instanceof InputError && e.location?.line === line,
        body,
      );
    }
  });
});

describe('volumeTargetOf', () => {
  it('gives the target of short and long entries, undefined when unreadable', () => {
    const nodes = items('volumes:\n  - ab:/x/\n  - type: bind\n    source: .\n    target: /y\n  - 3\n  - "ab::c"\n');
    assert.deepEqual(nodes.map(volumeTargetOf), ['/x', '/y', undefined, undefined]);
  });
});

describe('service tmpfs', () => {
  it('reads a string or a list, dropping the options', () => {
    const root = parseYamlWithLibrary('one: /run\nlist:\n  - /tmp:size=64m,mode=1777\n  - /var/run\n', FILE, '/proj', (s) => s);
    assert.deepEqual(parseServiceTmpfs(root.entries.get('one')!.value), [
      { target: '/run', declaredAt: { file: FILE, line: 1, column: 6 } },
    ]);
    assert.deepEqual(
      parseServiceTmpfs(root.entries.get('list')!.value).map((t) => [t.target, t.declaredAt.line]),
      [
        ['/tmp', 3],
        ['/var/run', 4],
      ],
    );
  });

  it('rejects a non-string entry and a relative path', () => {
    const root = parseYamlWithLibrary('a:\n  - 5\nb: tmp\n', FILE, '/proj', (s) => s);
    assert.throws(
      () => parseServiceTmpfs(root.entries.get('a')!.value),
      (e: unknown) => e instanceof InputError && e.location?.line === 2,
    );
    assert.throws(
      () => parseServiceTmpfs(root.entries.get('b')!.value),
      (e: unknown) => e instanceof InputError && e.location?.line === 3,
    );
  });
});
