/**
 * Hostile and huge inputs to the edits and the parsers (issue 13, points 13–17): every one is built here,
 * and every one must end in a clear refusal, fast, never a hang, a stack overflow or a write through a link.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { installInterruptHandler, runCli } from '../../src/cli/main';
import { InputError } from '../../src/core/types';
import { diagnoseConfigFile } from '../../src/fixes/diagnose/index';
import { planPersist } from '../../src/fixes/persist';
import { FixRefusal } from '../../src/fixes/types';
import { writePlanAtomically } from '../../src/fixes/write';
import { loadComposeProject } from '../../src/sources/compose/index';
import { loadDevcontainer } from '../../src/sources/devcontainer/index';
import { capture } from './helpers/cli';

const ROOT = resolve(__dirname, '../..');
const ENV = { HOME: '/home/tester', PATH: '/usr/bin' };

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-hostile-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Rejects or resolves within `ms`, else fails (an async hang; a synchronous one is caught by the runner's timeout). */
async function within<T>(ms: number, p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([p, timeout]);
    return { value, ms: Date.now() - start };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still running')) throw error;
    return { error, ms: Date.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

/** A 1 KB "billion laughs": 10^9 strings through nine levels of aliases. */
function laughs(): string {
  let s = 'services:\n  app:\n    image: x\nx-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= 9; i++)
    s += `x-a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(',')}]\n`;
  return `${s}x-bomb: *a9\n`;
}

/** 24 levels of merge keys, each merging the level below twice: 2^24 merges for a library that re-merges. */
function mergeBomb(): string {
  let s = 'x-m0: &m0 {k: v}\n';
  for (let i = 1; i <= 24; i++) s += `x-m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}]}\n`;
  return `${s}services:\n  app:\n    image: x\n    <<: *m24\n`;
}

/** The same bomb in block style, so the fast reader and the library both see it. */
function mergeBombBlock(): string {
  let s = 'x-m0: &m0\n  k: v\n';
  for (let i = 1; i <= 24; i++) s += `x-m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: *m${i - 1}\n`;
  return `${s}services:\n  app:\n    image: x\n    environment:\n      HOME: /home/app\n`;
}

describe('point 13: alias bombs are refused, fast', () => {
  for (const [name, text] of [
    ['billion laughs', laughs()],
    ['merge-key bomb', mergeBomb()],
    ['block merge-key bomb', mergeBombBlock()],
  ] as const) {
    it(`${name}: planPersist refuses it naming the file`, async () => {
      const dir = project({ 'compose.yaml': text });
      const file = join(dir, 'compose.yaml');
      const r = await within(5000, planPersist({ file, path: '/data' }));
      assert.ok(r.error instanceof InputError, `expected a refusal, got ${String(r.error ?? JSON.stringify(r.value)?.slice(0, 200))}`);
      assert.match((r.error as Error).message, /compose\.yaml/);
      assert.match((r.error as Error).message, /alias/);
      assert.ok(r.ms < 5000);
    });

    it(`${name}: the diagnostics say so, and planning their fixes does not block`, async () => {
      const dir = project({ 'compose.yaml': text });
      const file = join(dir, 'compose.yaml');
      const start = Date.now();
      const r = await within(5000, diagnoseConfigFile({ file, text, env: ENV }));
      assert.ok(r.value, String(r.error));
      for (const f of r.value) await within(5000 - (Date.now() - start), f.planFixes());
      assert.ok(Date.now() - start < 5000);
      assert.ok(
        r.value.some((f) => f.code === 'config-error' && /alias/.test(f.message)),
        r.value.map((f) => f.message).join('\n'),
      );
    });
  }

  it('a file with ordinary anchors and merge keys still plans', async () => {
    const text =
      'x-base: &base\n  image: x\n  volumes: ["va:/a"]\nvolumes:\n  va:\nservices:\n  web:\n    <<: *base\n  db:\n    <<: *base\n';
    const dir = project({ 'compose.yaml': text });
    const out = await planPersist({ file: join(dir, 'compose.yaml'), service: 'web', path: '/data' });
    assert.equal(out.status, 'planned');
  });
});

describe('point 14: paths are validated and never read as more than a path', () => {
  const devcontainer = (mounts?: unknown[]): Record<string, string> => ({
    '.devcontainer/devcontainer.json': JSON.stringify({ image: 'x', ...(mounts ? { mounts } : {}) }, null, 2) + '\n',
  });

  for (const bad of ['data', '/', '/a/../etc', '/a//b', '/a/./b', '/a/', '/a\nb', '/a\0b', '/a\tb']) {
    it(`refuses the container path ${JSON.stringify(bad)}`, async () => {
      const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: x\n', ...devcontainer() });
      for (const file of [join(dir, 'compose.yaml'), join(dir, '.devcontainer/devcontainer.json')]) {
        await assert.rejects(
          planPersist({ file, path: bad }),
          (e: unknown) => e instanceof FixRefusal && /path/.test((e as Error).message),
        );
      }
    });
  }

  it('a devcontainer path with volume-opt in it stays one target: scan reads back the path, a named volume', async () => {
    const path = '/data,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc';
    for (const mounts of [undefined, ['source=a,target=/a,type=volume']]) {
      const dir = project(devcontainer(mounts));
      const file = join(dir, '.devcontainer/devcontainer.json');
      const out = await planPersist({ file, path });
      assert.equal(out.status, 'planned');
      if (out.status !== 'planned') return;
      const loaded = await loadDevcontainer(file, { overlay: new Map([[file, out.plan.newText]]), env: ENV });
      const m = loaded.targets[0]!.mounts.find((x) => x.target === path);
      assert.ok(m, JSON.stringify(loaded.targets[0]!.mounts));
      assert.equal(m.status, 'named-volume');
      assert.ok(!loaded.targets[0]!.mounts.some((x) => x.status === 'bind-mount' && x.source === '/etc'));
    }
  });

  it('a devcontainer file of object mounts refuses a path the Dev Containers CLI would split', async () => {
    const dir = project(devcontainer([{ source: 'a', target: '/a', type: 'volume' }]));
    const file = join(dir, '.devcontainer/devcontainer.json');
    await assert.rejects(
      planPersist({ file, path: '/data,volume-opt=device=/etc' }),
      (e: unknown) => e instanceof FixRefusal && /,/.test((e as Error).message),
    );
  });

  it('scan reports a volume with volume-opt device= and o=bind as a bind of that device', async () => {
    const entry = 'source=x,target=/data,type=volume,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/';
    const dir = project(devcontainer([entry]));
    const loaded = await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: ENV });
    const m = loaded.targets[0]!.mounts.find((x) => x.target === '/data')!;
    assert.equal(m.status, 'bind-mount');
    assert.equal(m.source, '/');
    assert.ok(
      loaded.warnings.some((w) => /volume-opt/.test(w) && /bind/.test(w)),
      loaded.warnings.join('\n'),
    );
  });

  for (const style of ['short', 'long']) {
    it(`compose (${style} neighbours): /x:ro stays a writable mount at /x:ro, and \${HOME} is not interpolated`, async () => {
      const neighbour = style === 'short' ? '      - va:/a\n' : '      - type: volume\n        source: va\n        target: /a\n';
      const text = `services:\n  web:\n    image: x\n    volumes:\n${neighbour}volumes:\n  va:\n`;
      for (const path of ['/x:ro', '/home/${HOME}/x', '/a$b:rw']) {
        const dir = project({ 'compose.yaml': text });
        const file = join(dir, 'compose.yaml');
        const out = await planPersist({ file, path });
        assert.equal(out.status, 'planned');
        if (out.status !== 'planned') return;
        const loaded = await loadComposeProject([file], { overlay: new Map([[file, out.plan.newText]]), env: ENV });
        const m = loaded.targets[0]!.mounts.find((x) => x.target === path);
        assert.ok(m, `${path}: ${JSON.stringify(loaded.targets[0]!.mounts.map((x) => x.target))}\n${out.plan.newText}`);
        assert.equal(m.readOnly, false);
        assert.equal(m.status, 'named-volume');
        assert.deepEqual(loaded.warnings, []);
      }
    });
  }
});

describe('point 15: --write writes through links, keeps owner and mode, refuses read-only files', () => {
  const text = 'services:\n  web:\n    image: x\n';

  it('a symlinked compose file: the target is edited, the link stays a link', async () => {
    const dir = project({ 'real/compose.yaml': text });
    const link = join(dir, 'compose.yaml');
    symlinkSync(join(dir, 'real/compose.yaml'), link);
    const out = await planPersist({ file: link, path: '/data' });
    assert.equal(out.status, 'planned');
    if (out.status !== 'planned') return;
    await writePlanAtomically(out.plan);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(join(dir, 'real/compose.yaml'), 'utf8'), out.plan.newText);
    assert.deepEqual(readdirSync(join(dir, 'real')), ['compose.yaml']);
    assert.deepEqual(readdirSync(dir).sort(), ['compose.yaml', 'real']);
  });

  it('keeps the owner and the mode (as root, of a uid-1000 file)', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const dir = project({ 'compose.yaml': text });
    const file = join(dir, 'compose.yaml');
    chownSync(file, 1000, 1000);
    chmodSync(file, 0o640);
    const out = await planPersist({ file, path: '/data' });
    if (out.status !== 'planned') return assert.fail('not planned');
    const old = process.umask(0o077);
    try {
      await writePlanAtomically(out.plan);
    } finally {
      process.umask(old);
    }
    const st = statSync(file);
    assert.equal(st.uid, 1000);
    assert.equal(st.gid, 1000);
    assert.equal(st.mode & 0o7777, 0o640);
  });

  it('refuses a read-only file (0444) and writes nothing', async () => {
    const dir = project({ 'compose.yaml': text });
    const file = join(dir, 'compose.yaml');
    chmodSync(file, 0o444);
    const out = await planPersist({ file, path: '/data' });
    if (out.status !== 'planned') return assert.fail('not planned');
    await assert.rejects(
      writePlanAtomically(out.plan),
      (e: unknown) => e instanceof FixRefusal && /read-only/.test((e as Error).message) && /nothing was written/.test((e as Error).message),
    );
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.deepEqual(readdirSync(dir), ['compose.yaml']);
  });
});

describe('point 16: FIFOs and devices are refused before they are opened', () => {
  const fifo = (dir: string, name: string): string => {
    const p = join(dir, name);
    execFileSync('mkfifo', [p]);
    return p;
  };

  it('a compose include that is a FIFO, or /dev/zero', async () => {
    for (const inc of ['pipe.yaml', '/dev/zero']) {
      const dir = project({ 'compose.yaml': `include:\n  - ${inc}\nservices:\n  web:\n    image: x\n` });
      fifo(dir, 'pipe.yaml');
      const r = await within(3000, loadComposeProject([join(dir, 'compose.yaml')], { env: ENV }));
      assert.ok(r.error instanceof InputError, String(r.error));
      assert.match((r.error as Error).message, /not a regular file/);
      assert.ok((r.error as Error).message.includes(inc === '/dev/zero' ? '/dev/zero' : join(dir, 'pipe.yaml')));
    }
  });

  it('a dockerComposeFile that is a FIFO', async () => {
    const dir = project({ '.devcontainer/devcontainer.json': '{ "dockerComposeFile": "pipe.yaml", "service": "web" }\n' });
    fifo(dir, '.devcontainer/pipe.yaml');
    const r = await within(3000, loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /pipe\.yaml.*not a regular file/);
  });

  it('persist --file FIFO exits 2 naming it', async () => {
    const dir = project({});
    for (const name of ['compose.yaml', 'devcontainer.json']) {
      const p = fifo(dir, name);
      const c = capture();
      const r = await within(3000, runCli(['persist', '--file', p, '--path', '/data'], c.io));
      assert.equal(r.value, 2);
      assert.match(c.err.join(''), new RegExp(`${name}.*not a regular file`));
    }
  });

  it('a second Ctrl-C, or the first when nothing is cancellable, exits 130', () => {
    const proc = new EventEmitter() as EventEmitter & { exit(code: number): void };
    const exits: number[] = [];
    proc.exit = (code) => void exits.push(code);
    const err: string[] = [];
    installInterruptHandler(proc as unknown as NodeJS.Process, {
      out: () => undefined,
      err: (t: string) => void err.push(t),
      color: false,
    });
    proc.emit('SIGINT');
    assert.deepEqual(exits, [130]);

    // A command that cancels on Ctrl-C gets the first one; the second ends the process.
    exits.length = 0;
    let cancelled = 0;
    proc.once('SIGINT', () => cancelled++);
    proc.emit('SIGINT');
    assert.equal(cancelled, 1);
    assert.deepEqual(exits, []);
    proc.emit('SIGINT');
    assert.deepEqual(exits, [130]);
  });

  it('the CLI, stuck on nothing it can cancel, exits 130 on the first Ctrl-C', async () => {
    // A Docker endpoint that accepts and never answers.
    const dir = project({});
    const sock = join(dir, 'silent.sock');
    const net = await import('node:net');
    // The Ctrl-C comes once the CLI waits on the endpoint (it connected), not after a fixed delay: on a busy
    // machine starting the CLI alone can take seconds.
    let connected!: () => void;
    const waiting = new Promise<void>((r) => (connected = r));
    const server = net.createServer(() => connected()).listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'scan', '--container', 'x'], {
        cwd: ROOT,
        env: { ...process.env, DOCKER_HOST: `unix://${sock}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exitedEarly = new Promise<string>((r) =>
        child.once('exit', (c, s) => r(`the CLI exited (${c ?? s}) before it reached the endpoint`)),
      );
      const early = await Promise.race([waiting.then(() => undefined), exitedEarly]);
      assert.equal(early, undefined, early);
      child.kill('SIGINT');
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
      assert.deepEqual([code, signal], [130, null]);
    } finally {
      server.close();
    }
  });
});

describe('point 17: input limits', () => {
  it('a devcontainer.json with 300,000 mounts is refused with a message, not a stack overflow', async () => {
    const mounts = Array.from({ length: 300_000 }, (_, i) => `target=/${i}`);
    const dir = project({ '.devcontainer/devcontainer.json': JSON.stringify({ image: 'x', mounts }) });
    const r = await within(5000, loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /10,000/);
  });

  it('5,000 mounts and 5,000 runArgs volumes are read (no spread of a huge array into a call)', async () => {
    const mounts = Array.from({ length: 5000 }, (_, i) => `source=v${i},target=/m${i},type=volume`);
    const runArgs = Array.from({ length: 5000 }, (_, i) => `-v=w${i}:/r${i}`);
    const dir = project({ '.devcontainer/devcontainer.json': JSON.stringify({ image: 'x', mounts, runArgs }) });
    const loaded = await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: ENV });
    assert.equal(loaded.targets[0]!.mounts.length, 10_001);
  });

  it('a 50 MB compose file is refused at once, from disk and as unsaved text', async () => {
    const big = 'services:\n  web:\n    image: x\n' + `x-pad: "${'a'.repeat(50 * 1024 * 1024)}"\n`;
    const dir = project({ 'compose.yaml': big });
    const file = join(dir, 'compose.yaml');
    const r = await within(3000, loadComposeProject([file], { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /8 MB/);
    const d = await within(3000, diagnoseConfigFile({ file, text: big, env: ENV }));
    assert.ok(d.value?.some((f) => f.code === 'config-error' && /8 MB/.test(f.message)));
  });

  it('a huge devcontainer.json is refused', async () => {
    const dir = project({ '.devcontainer/devcontainer.json': `{ "image": "x", "name": "${'a'.repeat(9 * 1024 * 1024)}" }` });
    const r = await within(3000, loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /8 MB/);
  });

  it('a chain of 300 includes is refused', async () => {
    const files: Record<string, string> = { 'compose.yaml': 'include:\n  - i1.yaml\nservices:\n  web:\n    image: x\n' };
    for (let i = 1; i < 300; i++) files[`i${i}.yaml`] = `include:\n  - i${i + 1}.yaml\n`;
    files['i300.yaml'] = 'services:\n  last:\n    image: x\n';
    const dir = project(files);
    const r = await within(5000, loadComposeProject([join(dir, 'compose.yaml')], { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /include/);
  });

  it('a service with 20,000 volumes is refused', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `      - /v${i}\n`).join('');
    const dir = project({ 'compose.yaml': `services:\n  web:\n    image: x\n    volumes:\n${items}` });
    const r = await within(5000, loadComposeProject([join(dir, 'compose.yaml')], { env: ENV }));
    assert.ok(r.error instanceof InputError, String(r.error));
    assert.match((r.error as Error).message, /10,000/);
  });
});
