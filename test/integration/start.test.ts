/**
 * `npm start` for real: it builds and packages the .vsix, installs it into code-server (its own dirs), brings
 * up the demo compose project on the Docker Engine and serves the workbench; Ctrl-C (SIGINT to its process
 * group, as a terminal sends it) stops code-server and removes the demo containers but keeps their named
 * volumes. Without a Docker Engine it says so and still serves the workbench.
 *
 * Each run has its own state dir (PL_START_DIR) and compose project (PL_DEMO_PROJECT), so it never meets a
 * developer's own `npm start`; everything is removed afterwards, also on failure.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compose, docker, randomSuffix, runCommand } from './helpers/docker';

const root = resolve(__dirname, '../..');
const codeServerEntry = join(root, '.cache/code-server/node_modules/code-server/out/node/entry.js');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

/** `npm start` in its own process group (like a terminal's foreground job), output collected. */
function npmStart(env: Record<string, string | undefined>): Started {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, FORCE_COLOR: '0' };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child = spawn('npm', ['start'], { cwd: root, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // 'close', not 'exit': npm can exit a moment before the last lines of its script are read from the pipe.
  const exited = new Promise<number | string>((r) => child.on('close', (code, sig) => r(code ?? sig ?? 'unknown')));
  return { child, output: () => out, exited };
}

async function waitFor(what: string, s: Started, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void s.exited.then((c) => (exitedWith = c));
  while (Date.now() < deadline) {
    const m = re.exec(s.output());
    if (m) return m;
    if (exitedWith !== undefined) assert.fail(`npm start exited (${exitedWith}) before ${what}:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no ${what} within ${timeoutMs / 1000} s:\n${s.output()}`);
}

/** Resolves 'timeout' after ms, without keeping the process alive once the test is done. */
const timeout = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

async function interrupt(s: Started, signal: NodeJS.Signals = 'SIGINT', timeoutMs = 60_000): Promise<number | string> {
  process.kill(-s.child.pid!, signal);
  const code = await Promise.race([s.exited, timeout(timeoutMs)]);
  assert.notEqual(code, 'timeout', `npm start did not exit within ${timeoutMs / 1000} s of ${signal}:\n${s.output()}`);
  return code;
}

function kill(s: Started | undefined): void {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  try {
    process.kill(-s.child.pid!, 'SIGKILL');
  } catch {}
}

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text() };
}

const lines = (s: string): string[] =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

describe('npm start', () => {
  const runId = randomSuffix(4);
  const project = `pl-start-test-${runId}`;
  let stateDir: string;
  let started: Started | undefined;
  let noDocker: Started | undefined;

  before(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'pl-start-'));
    // npm start installs code-server on its first run (a minute on a quiet machine, several on a busy one):
    // done here, untimed, so the waits below measure npm start itself and not npm's registry.
    const install = spawnSync('bash', [join(root, 'scripts/editor/install-code-server.sh')], {
      env: { ...process.env, PL_NO_CHROMIUM: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, `scripts/editor/install-code-server.sh failed:\n${install.stderr}`);
  });

  after(async () => {
    kill(started);
    kill(noDocker);
    // Whatever the test left: the project's containers (with their anonymous volumes) and named volumes.
    const ids = lines(await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`).catch(() => ''));
    if (ids.length) await docker('rm', '-f', '-v', ...ids).catch(() => {});
    const vols = lines(await docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`).catch(() => ''));
    if (vols.length) await docker('volume', 'rm', '-f', ...vols).catch(() => {});
    await docker('network', 'rm', `${project}_default`).catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves the workbench with the extension installed and the demo up; Ctrl-C removes the containers, keeps the named volume', async () => {
    const t0 = Date.now();
    started = npmStart({ PL_START_DIR: join(stateDir, 'with-docker'), PL_DEMO_PROJECT: project, PORT: undefined, PL_NO_DEMO: undefined });
    const [, url] = await waitFor('the URL', started, /^\s*(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)\s*$/m, 300_000);
    await waitFor('"Ready"', started, /Ready in [\d.]+ s/, 10_000);
    const startupSeconds = (Date.now() - t0) / 1000;

    // The workbench answers on the printed URL, on 127.0.0.1, without a password.
    const page = await fetchText(url!);
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/i);
    assert.match(page.text, /workbench/i);
    assert.equal(new URL(url!).searchParams.get('folder'), join(root, 'examples'));

    // The packaged extension is installed in npm start's own extensions dir.
    const state = join(stateDir, 'with-docker');
    const list = await runCommand(
      process.execPath,
      [
        codeServerEntry,
        '--user-data-dir',
        join(state, 'user-data'),
        '--extensions-dir',
        join(state, 'extensions'),
        '--config',
        join(state, 'config.yaml'),
        '--list-extensions',
        '--show-versions',
      ],
      {
        env: {
          ...process.env,
          XDG_CONFIG_HOME: join(state, 'xdg/config'),
          XDG_DATA_HOME: join(state, 'xdg/data'),
          XDG_CACHE_HOME: join(state, 'xdg/cache'),
        },
      },
    );
    assert.match(list.stdout, /^persistence-lens\.persistence-lens@0\.1\.0$/m);

    // The demo's two containers run, and between them show every status, with a database at risk.
    const running = lines(
      await docker('ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Label "com.docker.compose.service"}}'),
    );
    assert.deepEqual(running.sort(), ['cache', 'workspace']);
    const ids = lines(await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`));
    const scan = await runCommand(process.execPath, [
      join(root, 'dist/cli.js'),
      'scan',
      '--docker',
      ...ids.flatMap((id) => ['--container', id]),
      '--json',
    ]);
    const targets = JSON.parse(scan.stdout).targets as Array<{
      name: string;
      paths: Array<{ path: string; status: string; atRisk: boolean; category: string }>;
    }>;
    const paths = targets.flatMap((t) => t.paths);
    const statuses = new Set(paths.map((p) => p.status));
    for (const s of ['named-volume', 'anonymous-volume', 'bind-mount', 'tmpfs', 'writable-layer'])
      assert.ok(statuses.has(s), `no ${s} in the demo: ${[...statuses].join(', ')}`);
    assert.ok(
      paths.some((p) => p.category === 'database' && p.atRisk),
      'no database at risk in the demo',
    );
    assert.ok(
      paths.some((p) => p.path === '/root/.ssh' && p.status === 'writable-layer'),
      'the SSH key written to the writable layer is not reported',
    );

    // Anonymous volumes of the demo, to check they go with the containers.
    const anonymous: string[] = [];
    for (const id of ids) {
      const names = await docker('inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id);
      anonymous.push(...names.split(/\s+/).filter((n) => /^[0-9a-f]{64}$/.test(n)));
    }
    assert.equal(anonymous.length, 2, 'expected /root/.cache and the image VOLUME /data');
    // A recreate during the session (as after Persist Path…) orphans the cache's anonymous /data; a volume
    // that is not the demo's is orphaned too. Ctrl-C removes the first and only names the second.
    await compose(
      project,
      join(root, 'examples/demo/compose.yaml'),
      'up',
      '-d',
      '--no-deps',
      '--force-recreate',
      '--renew-anon-volumes',
      'cache',
    );
    const notOurs = await docker('volume', 'create', '--label', 'persistence-lens.test=1');
    try {
      // Ctrl-C: everything npm start started stops; the named volume stays, and it says so.
      await interrupt(started, 'SIGINT');
      const out = started.output();
      assert.match(out, /code-server stopped/);
      assert.match(out, /removed the demo containers/);
      assert.match(
        out,
        new RegExp(`kept the demo's named volumes \\(${project}_demo-config\\); to remove them: docker volume rm ${project}_demo-config`),
      );
      assert.deepEqual(
        lines(await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`)),
        [],
        'demo containers are left',
      );
      const volumes = new Set(lines(await docker('volume', 'ls', '-q')));
      assert.ok(volumes.has(`${project}_demo-config`), 'the named volume was removed');
      for (const v of anonymous)
        assert.ok(!volumes.has(v), `the anonymous volume ${v} was left behind (orphaned during the session or not)`);
      assert.ok(volumes.has(notOurs), "an orphaned volume that is not the demo's is kept");
      assert.match(
        out,
        new RegExp(
          `other anonymous volumes? (is|are) used by no container \\(orphaned, not the demo's, kept\\): .*${notOurs.slice(0, 12)}`,
        ),
      );
    } finally {
      await docker('volume', 'rm', '-f', notOurs).catch(() => undefined);
    }
    await assert.rejects(fetchText(url!), 'code-server still answers after Ctrl-C');
    const leftover = await runCommand('pgrep', ['-f', state]).catch(() => ({ stdout: '' }));
    assert.equal(leftover.stdout.trim(), '', `processes of this npm start are still running:\n${leftover.stdout}`);
    console.log(`# npm start: URL answered after ${startupSeconds.toFixed(1)} s`);
  });

  it('without a Docker Engine, says so and still serves the workbench; SIGTERM stops it', async () => {
    noDocker = npmStart({
      PL_START_DIR: join(stateDir, 'no-docker'),
      PL_DEMO_PROJECT: `${project}-none`,
      DOCKER_HOST: `unix://${join(stateDir, 'no-such-docker.sock')}`,
      PORT: undefined,
      PL_NO_DEMO: undefined,
    });
    const [, url] = await waitFor('the URL', noDocker, /^\s*(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)\s*$/m, 300_000);
    assert.match(noDocker.output(), /no Docker Engine answered .*: no demo containers/);
    assert.equal((await fetchText(url!)).status, 200);
    await interrupt(noDocker, 'SIGTERM');
    assert.match(noDocker.output(), /code-server stopped/);
    assert.doesNotMatch(noDocker.output(), /removed the demo containers/);
  });

  it('refuses a PORT that is in use, before building anything', async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    try {
      const s = npmStart({ PL_START_DIR: join(stateDir, 'port'), PL_DEMO_PROJECT: `${project}-port`, PORT: String(port) });
      const code = await Promise.race([s.exited, timeout(30_000)]);
      kill(s);
      assert.equal(code, 2, s.output());
      assert.match(s.output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
      assert.doesNotMatch(s.output(), /packaged/);
    } finally {
      server.close();
    }
  });
});
