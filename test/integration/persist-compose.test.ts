import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { capture } from '../unit/helpers/cli';

describe('persist, then docker-compose up on a real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-persist-'));
  const project = `pltest${randomBytes(4).toString('hex')}`;
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, '-f', join(dir, 'compose.yaml'), ...args], { stdio: 'pipe' });

  after(() => {
    try {
      compose('down', '-v', '--remove-orphans');
    } catch {
      /* nothing was started */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the service the named volume the fix added', async () => {
    const original = [
      '# An app whose data dir is not persisted yet.',
      'services:',
      '  app:',
      '    image: persistence-test:latest   # a local busybox image',
      '    stop_grace_period: 1s   # its sleep ignores SIGTERM: each recreate would wait 10 s',
      '    labels:',
      '      persistence-lens.test: "1"',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'compose.yaml'), original);
    const { io, err } = capture();
    const code = await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--service', 'app', '--path', '/srv/data', '--write'], io);
    assert.equal(code, 0, err.join(''));
    const edited = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    assert.ok(edited.startsWith(original.trimEnd()), 'the original lines stay as they were');
    assert.match(edited, /- app-data:\/srv\/data/);

    compose('up', '-d');
    const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      .toString()
      .trim();
    assert.ok(id, 'the service runs');
    const mounts = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Mounts}}', id]).toString()) as Array<{
      Type: string;
      Name: string;
      Destination: string;
    }>;
    const m = mounts.find((x) => x.Destination === '/srv/data');
    assert.ok(m, 'a mount at /srv/data');
    assert.equal(m.Type, 'volume');
    assert.equal(m.Name, `${project}_app-data`);

    // Applying the fix again is a no-op with an explanation.
    const again = capture();
    assert.equal(
      await runCli(['persist', '--file', join(dir, 'compose.yaml'), '--service', 'app', '--path', '/srv/data', '--write'], again.io),
      0,
    );
    assert.match(again.err.join(''), /already persisted by the named volume "app-data"/);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), edited);
  });
});
describe('persist a single file, then docker-compose up on a real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-persist-file-'));
  const project = `pltest${randomBytes(4).toString('hex')}`;
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, '-f', join(dir, 'compose.yaml'), ...args], { stdio: 'pipe' });

  after(() => {
    try {
      compose('down', '-v', '--remove-orphans');
    } catch {
      /* nothing was started */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the volume on ~/.docker for ~/.docker/config.json, and the container writes the file in it', async () => {
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  app:',
        '    image: persistence-test:latest',
        '    stop_grace_period: 1s # its sleep ignores SIGTERM: each recreate would wait 10 s',
        '    labels:',
        '      persistence-lens.test: "1"',
        '',
      ].join('\n'),
    );
    const { io, err } = capture();
    assert.equal(
      await runCli(
        ['persist', '--file', join(dir, 'compose.yaml'), '--service', 'app', '--path', '/root/.docker/config.json', '--write'],
        io,
      ),
      0,
      err.join(''),
    );
    compose('up', '-d');
    const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      .toString()
      .trim();
    const mounts = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Mounts}}', id]).toString()) as Array<{
      Type: string;
      Name: string;
      Destination: string;
    }>;
    assert.ok(
      mounts.some((m) => m.Destination === '/root/.docker' && m.Type === 'volume'),
      JSON.stringify(mounts),
    );
    execFileSync('docker', ['exec', id, 'sh', '-c', 'echo {} > /root/.docker/config.json && test -f /root/.docker/config.json']);

    // A history file gets no volume on its path: HISTFILE moves it into /commandhistory, which gets the volume.
    const history = capture();
    assert.equal(
      await runCli(
        ['persist', '--file', join(dir, 'compose.yaml'), '--service', 'app', '--path', '/root/.bash_history', '--write'],
        history.io,
      ),
      0,
      history.err.join(''),
    );
    assert.match(history.err.join(''), /single file.*HISTFILE=\/commandhistory\/\.bash_history/);
    const edited = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    assert.match(edited, /HISTFILE: \/commandhistory\/\.bash_history\n/);
    assert.match(edited, /- app-commandhistory:\/commandhistory\n/);
    assert.doesNotMatch(edited, /:\/root\/\.bash_history/);

    compose('up', '-d');
    const recreated = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      .toString()
      .trim();
    const after = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Mounts}}', recreated]).toString()) as Array<{
      Type: string;
      Name: string;
      Destination: string;
    }>;
    assert.ok(
      after.some((m) => m.Destination === '/commandhistory' && m.Type === 'volume' && m.Name === `${project}_app-commandhistory`),
      JSON.stringify(after),
    );
    // The shell in the container sees the variable, and the file it names is written in the volume.
    const histfile = execFileSync('docker', ['exec', recreated, 'sh', '-c', 'echo "$HISTFILE"']).toString().trim();
    assert.equal(histfile, '/commandhistory/.bash_history');
    execFileSync('docker', ['exec', recreated, 'sh', '-c', 'echo ls >> "$HISTFILE" && test -f /commandhistory/.bash_history']);
  });
});
