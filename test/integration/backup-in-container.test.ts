/**
 * Inside a real container (no Docker socket): `backup --path` archives local paths, and refuses a destination
 * that the container's own mount table says would not survive a recreate, naming the persistent mounts.
 * The CLI runs as an esbuild bundle with the host's Node bind-mounted read-only (nothing is pulled).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { TestRun } from './helpers/backup/engine';

let run: TestRun;
let dir: string;
const root = join(__dirname, '..', '..');

before(async () => {
  run = await TestRun.start();
  dir = mkdtempSync(join(tmpdir(), 'pl-backup-inside-'));
  await esbuild.build({
    stdin: {
      contents: `
        import { backupCommand } from './src/cli/commands/backup';
        import { processOutput } from './src/cli/output';
        backupCommand(process.argv.slice(2), processOutput()).then((c) => (process.exitCode = c), (e) => { console.error(e.message); process.exitCode = 2; });
      `,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(dir, 'cli.js'),
    // as scripts/build.mjs: jsonc-parser's UMD entry hides its requires from the bundler; its ESM build bundles
    mainFields: ['module', 'main'],
    external: ['cpu-features', '*.node'],
    logLevel: 'error',
  });
});

after(async () => {
  await run?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function inContainer(volume: string, args: string[]): Promise<{ code: number; out: string }> {
  const c = await run.docker.createContainer({
    Image: 'persistence-test:latest',
    Cmd: ['/usr/bin/node', '/opt/pl/cli.js', ...args],
    Labels: run.labels,
    HostConfig: {
      Binds: ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro', `${dir}:/opt/pl:ro`, `${volume}:/home/coder/.local`],
      Tmpfs: { '/scratch': '' },
    },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    let out = '';
    for (let i = 0; i + 8 <= logs.length;) {
      const len = logs.readUInt32BE(i + 4);
      out += logs.subarray(i + 8, i + 8 + len).toString('utf8');
      i += 8 + len;
    }
    return { code: StatusCode, out };
  } finally {
    await c.remove({ force: true, v: true });
  }
}

describe('backup inside a container', { timeout: 120_000 }, () => {
  it('refuses the writable layer and a tmpfs as destination, naming the persistent mount; accepts the volume', async () => {
    const vol = await run.createVolume();
    const layer = await inContainer(vol, ['--path', '/etc']);
    assert.equal(layer.code, 2, layer.out);
    assert.match(
      layer.out,
      /refusing to write backups to \/root\/\.local\/share\/persistence-lens\/backups: it is in the container's writable layer/,
    );
    assert.match(layer.out, new RegExp(`Put it under a persistent mount with --out DIR: /home/coder/\\.local \\(named-volume ${vol}\\)`));

    const tmpfs = await inContainer(vol, ['--path', '/etc', '--out', '/scratch/b']);
    assert.equal(tmpfs.code, 2, tmpfs.out);
    assert.match(tmpfs.out, /it is in a tmpfs \(\/scratch\)/);

    const ok = await inContainer(vol, ['--path', '/etc', '--out', '/home/coder/.local/backups']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /Backed up \/etc: \d+ entries/);
    const digest = await run.volumeDigest(vol);
    assert.ok(
      [...digest.keys()].some((k) => /^backups\/local-etc-[0-9a-f]{8}-\d{8}T\d{6}Z\.tar\.gz$/.test(k)),
      [...digest.keys()].join(', '),
    );
    assert.ok([...digest.keys()].some((k) => /^backups\/local-etc-.*\.manifest\.json$/.test(k)));
    assert.equal(digest.get('backups')?.mode, 0o700);
  });
});
