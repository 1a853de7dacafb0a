/**
 * `npm run package` (scripts/package.mjs): the .vsix holds exactly what runs, and is small.
 *
 * The package is made from a copy of the project (its tracked and not-ignored files, with node_modules linked
 * in) plus the leftovers a developer's tree really has (source maps of the dev build, the editor suite, the
 * code-server cache, an old .vsix...), so .vscodeignore is tested against what it must keep out, and the
 * shared dist/ is never touched. When the machine allows it (`unshare -n`, as root) vsce runs with no network
 * at all, proving the packaging is offline.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';

const root = resolve(__dirname, '../..');
const MAX_BYTES = 3 * 1024 * 1024;

/**
 * Everything the .vsix may hold. A new file that must ship (another icon, say) goes here and in
 * .vscodeignore, on purpose.
 */
const ALLOWED = [
  '[Content_Types].xml',
  'extension.vsixmanifest',
  'extension/package.json',
  'extension/readme.md',
  'extension/changelog.md',
  'extension/LICENSE.txt',
  'extension/dist/extension.js',
  'extension/dist/backend.js',
  'extension/dist/cli.js',
  'extension/media/persistence.svg',
].sort();

interface ZipEntry {
  name: string;
  size: number;
  data: () => Buffer;
}

/** The entries of a zip file, from its central directory; `data()` inflates one. */
function readZip(buf: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'not a zip file: no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, `bad central directory entry at ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.push({
      name,
      size,
      data: () => {
        assert.equal(buf.readUInt32LE(local), 0x04034b50, `bad local header for ${name}`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(start, start + compressed);
        return method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
      },
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Is a network namespace of our own available (root, and a kernel and sandbox that allow it)? */
function canUnshareNetwork(): boolean {
  return spawnSync('unshare', ['-n', '--', 'true'], { stdio: 'ignore' }).status === 0;
}

describe('npm run package', () => {
  let work: string;
  let vsix: string;
  let entries: ZipEntry[];
  let output = '';
  let offline = false;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'pl-package-'));
    const project = join(work, 'project');
    mkdirSync(project);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const f of files) {
      let isFile = false;
      try {
        isFile = statSync(join(root, f)).isFile();
      } catch {} // deleted in the working tree but still in the index
      if (isFile) cpSync(join(root, f), join(project, f));
    }
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
    // What a developer's tree holds besides the tracked files, all git-ignored.
    const leftovers = [
      'dist/extension.js.map',
      'dist/backend.js.map',
      'dist/cli.js.map',
      'out/test/editor/suite/index.js',
      '.cache/code-server/package.json',
      'test-results/editor-failure.png',
      'persistence-lens-0.0.9.vsix',
      '.persist/agent-claude/state.json',
    ];
    for (const f of leftovers) {
      mkdirSync(dirname(join(project, f)), { recursive: true });
      writeFileSync(join(project, f), 'leftover\n');
    }
    vsix = join(work, 'out.vsix');
    offline = canUnshareNetwork();
    const cmd = [process.execPath, join(project, 'scripts/package.mjs'), '--out', vsix];
    const r = offline
      ? spawnSync('unshare', ['-n', '--', ...cmd], { cwd: project, encoding: 'utf8', timeout: 180_000 })
      : spawnSync(cmd[0]!, cmd.slice(1), { cwd: project, encoding: 'utf8', timeout: 180_000 });
    output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, `scripts/package.mjs failed (${r.status ?? r.signal}${offline ? ', without network' : ''}):\n${output}`);
    entries = readZip(readFileSync(vsix));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds exactly the bundles, the manifest, the icon, README, CHANGELOG and LICENSE', () => {
    const names = entries.map((e) => e.name).sort();
    const extra = names.filter((n) => !ALLOWED.includes(n));
    const missing = ALLOWED.filter((n) => !names.includes(n));
    assert.deepEqual(
      { extra, missing },
      { extra: [], missing: [] },
      'the .vsix content changed: fix .vscodeignore, or, when a new file must ship, add it to ALLOWED here',
    );
  });

  it(`is smaller than ${MAX_BYTES / 1024 / 1024} MB`, () => {
    const size = statSync(vsix).size;
    assert.ok(size < MAX_BYTES, `the .vsix is ${size} bytes`);
    const unpacked = entries.reduce((s, e) => s + e.size, 0);
    assert.ok(unpacked < 2 * MAX_BYTES, `the .vsix unpacks to ${unpacked} bytes`);
  });

  it('was made without the network (when a network namespace of our own is available)', (t) => {
    if (!offline) t.skip('unshare -n is not available here (needs root); packaged with the network up');
    else assert.match(output, /DONE\s+Packaged/);
  });

  it('carries the production build: minified, no source-map references, the CLI executable', () => {
    const get = (name: string) =>
      entries
        .find((e) => e.name === name)!
        .data()
        .toString('utf8');
    for (const js of ['extension/dist/extension.js', 'extension/dist/backend.js', 'extension/dist/cli.js']) {
      const text = get(js);
      assert.doesNotMatch(text, /sourceMappingURL=/, `${js} points at a source map that is not shipped`);
      const lines = text.split('\n').length;
      assert.ok(lines < text.length / 200, `${js} looks unminified (${lines} lines for ${text.length} bytes)`);
    }
    assert.match(get('extension/dist/cli.js'), /^#!\/usr\/bin\/env node\n/);
    assert.match(get('extension/dist/extension.js'), /backend\.js/, 'the extension loads dist/backend.js beside it');
  });

  it('has every file its manifest points at, and the manifest is the project one', () => {
    const pkg = JSON.parse(
      entries
        .find((e) => e.name === 'extension/package.json')!
        .data()
        .toString('utf8'),
    );
    const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.name, own.name);
    assert.equal(pkg.version, own.version);
    assert.equal(pkg.publisher, own.publisher);
    assert.deepEqual(pkg.contributes, own.contributes);
    const referenced = new Set<string>([pkg.main]);
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && /^(\.\/)?media\//.test(v)) referenced.add(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(pkg.contributes);
    const names = new Set(entries.map((e) => e.name));
    for (const ref of referenced) {
      const inZip = `extension/${ref.replace(/^\.\//, '')}`;
      assert.ok(names.has(inZip), `package.json refers to ${ref}, which is not in the .vsix`);
    }
    assert.ok(referenced.size >= 2, 'expected main and at least one icon');
  });
});
