import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../../src/cli/main';
import { capture } from '../../helpers/cli';

const examples = resolve(__dirname, '../../../../examples');
const fixture = (name: string) => resolve(__dirname, '../../../fixtures', name);

describe('persistence-lens scan: human output', () => {
  it('fits 120 columns on every example, targets at risk first, and ends with a one-line summary', async () => {
    const c = capture();
    const files = ['demo', 'agent-sandbox', 'code-server'].flatMap((d) => ['--compose', join(examples, d, 'compose.yaml')]);
    await runCli(['scan', ...files, '--mountinfo', fixture('mountinfo-docker-mixed.txt')], c.io);
    const lines = c.out.join('').trimEnd().split('\n');
    const widest = lines.reduce((w, l) => Math.max(w, [...l].length), 0);
    assert.ok(widest <= 120, `widest line ${widest}: ${lines.find((l) => [...l].length === widest)}`);
    assert.match(lines[lines.length - 1]!, /^\d+ of \d+ targets have paths at risk: \d+ paths, \d+ of them critical/);
    // 12-hex ids for anonymous volumes, as `docker volume ls` users know them
    assert.ok(c.out.join('').includes('anonymous cdf3f4f85c38 '), c.out.join(''));
    assert.ok(!/[0-9a-f]{64}/.test(c.out.join('')), 'no 64-hex name is printed whole');
  });

  it('says what a service and a workstation are, and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-scan-role-'));
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  cache:',
        '    image: redis:7',
        '  ide:',
        '    image: codercom/code-server:4.100.3',
        '    environment:',
        '      HOME: /home/coder',
        '',
      ].join('\n'),
    );
    const c = capture();
    await runCli(['scan', '--compose', join(dir, 'compose.yaml')], c.io);
    const text = c.out.join('');
    assert.match(text, /service \(redis:7 serves data \(\/data\)\)/);
    assert.match(text, /workstation \(codercom\/code-server:4\.100\.3 is an image made to work in\), home \/home\/coder/);
    assert.ok(!/\/root\/\.config/.test(text), 'no home catalog for redis');
    const j = capture();
    await runCli(['scan', '--compose', join(dir, 'compose.yaml'), '--json'], j.io);
    const json = JSON.parse(j.out.join(''));
    const cache = json.targets.find((t: any) => t.name === 'cache');
    assert.equal(cache.role, 'service');
    assert.equal(cache.paths[0].path, '/data');
    assert.equal(cache.atRisk, cache.paths.filter((p: any) => p.atRisk).length, 'one count');
    const ide = json.targets.find((t: any) => t.name === 'ide');
    assert.equal(ide.role, 'workstation');
    assert.ok(ide.paths.some((p: any) => p.path === '/home/coder/.ssh' && p.atRisk));
  });
});

describe('persistence-lens scan', () => {
  it('prints the documented JSON for a compose file', async () => {
    const c = capture();
    assert.equal(await runCli(['scan', '--compose', join(examples, 'code-server/compose.yaml'), '--json'], c.io), 0, c.err.join(''));
    const json = JSON.parse(c.out.join(''));
    assert.deepEqual(Object.keys(json), ['targets', 'warnings']);
    const t = json.targets[0];
    assert.equal(t.kind, 'compose-service');
    assert.equal(t.name, 'code-server');
    assert.equal(t.home, '/home/coder');
    const config = t.paths.find((p: any) => p.path === '/home/coder/.config');
    assert.deepEqual(
      {
        status: config.status,
        source: config.source,
        readOnly: config.readOnly,
        criticality: config.criticality,
        category: config.category,
      },
      { status: 'named-volume', source: 'coder-config', readOnly: false, criticality: 'high', category: 'config' },
    );
    assert.deepEqual(config.survives, { restart: true, recreate: true, composeUp: true, composeDownVolumes: false, reboot: true });
    assert.equal(config.declaredAt.line, 15);
    assert.equal(typeof config.reason, 'string');
    const cache = t.paths.find((p: any) => p.path === '/home/coder/.cache');
    assert.equal(cache.status, 'anonymous-volume');
    assert.equal(cache.atRisk, true);
  });

  it('exits 1 with --fail-on when something that critical is at risk, 0 otherwise', async () => {
    const postgres = ['--compose', join(examples, 'devcontainer-postgres/.devcontainer/compose.yaml')];
    assert.equal(await runCli(['scan', ...postgres, '--fail-on', 'critical'], capture().io), 1, 'the database has no volume');
    const dir = mkdtempSync(join(tmpdir(), 'pl-failon-'));
    writeFileSync(
      join(dir, 'compose.yaml'),
      'services:\n  db:\n    image: postgres:16\n    environment: { HOME: /root }\n    volumes: [pg:/var/lib/postgresql/data, /root:/root]\nvolumes: {pg: {}}\n',
    );
    assert.equal(await runCli(['scan', '--compose', join(dir, 'compose.yaml'), '--fail-on', 'critical'], capture().io), 0);
    assert.equal(await runCli(['scan', '--compose', join(dir, 'compose.yaml'), '--fail-on', 'never'], capture().io), 0);
  });

  it('reads a captured mountinfo as this container', async () => {
    const c = capture();
    assert.equal(await runCli(['scan', '--mountinfo', fixture('mountinfo-docker-mixed.txt'), '--json'], c.io), 0, c.err.join(''));
    const t = JSON.parse(c.out.join('')).targets[0];
    assert.equal(t.kind, 'self');
    const byPath = Object.fromEntries(t.paths.map((p: any) => [p.path, p.status]));
    assert.equal(byPath['/b'], 'anonymous-volume');
    assert.equal(byPath['/c'], 'bind-mount');
    assert.equal(byPath['/d'], 'tmpfs');
    assert.equal(byPath['/home/coder/.local/share/code-server'], 'named-volume');
  });

  it('prints aligned human output with at-risk paths first', async () => {
    const c = capture();
    await runCli(['scan', '--compose', join(examples, 'agent-sandbox/compose.yaml')], c.io);
    const text = c.out.join('');
    assert.match(text, /^compose service agent {2}image node:22-bookworm/);
    const lines = text.split('\n').filter((l) => /^ {2}[✗✓]/.test(l));
    const firstSafe = lines.findIndex((l) => l.startsWith('  ✓'));
    assert.ok(firstSafe > 0 && lines.slice(firstSafe).every((l) => l.startsWith('  ✓')));
    const column = lines.map((l) => l.indexOf(l.split(/\s{2,}/)[2]!));
    assert.equal(new Set(column).size, 1, 'the storage column is aligned');
    assert.ok(!text.includes('\x1b['), 'no color without a TTY');
  });

  it('exits 2 naming the file, line and column of malformed input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-bad-'));
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    volumes: [a\n');
    const c = capture();
    assert.equal(await runCli(['scan', '--compose', join(dir, 'compose.yaml')], c.io), 2);
    assert.match(c.err.join(''), /compose.yaml:\d+:\d+/);
    const missing = capture();
    assert.equal(await runCli(['scan', '--compose', join(dir, 'nope.yaml')], missing.io), 2);
    assert.match(missing.err.join(''), /nope.yaml: no such file/);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['scan', '--fail-on', 'severe'], ['scan', '--bogus'], ['scan', 'extra'], ['nope'], []]) {
      const c = capture();
      assert.equal(await runCli(args, c.io), 2, args.join(' '));
      assert.match(c.err.join('') + c.out.join(''), /Usage:/);
    }
  });

  it('exits 2 naming the address when an explicit --docker cannot reach a daemon', async () => {
    const c = capture();
    assert.equal(await runCli(['scan', '--docker', '--host', 'unix:///nonexistent/docker.sock'], c.io), 2);
    assert.match(c.err.join(''), /\/nonexistent\/docker.sock/);
  });
});

describe('persistence-lens where', () => {
  it('classifies paths against a mount table, as JSON', async () => {
    const c = capture();
    assert.equal(
      await runCli(
        ['where', '--mountinfo', fixture('mountinfo-docker-mixed.txt'), '--json', '/d/file', '/home/coder/.local/x', '/etc/x'],
        c.io,
      ),
      0,
    );
    const rows = JSON.parse(c.out.join(''));
    assert.deepEqual(
      rows.map((r: any) => [r.path, r.status, r.mountPoint, r.source ?? null]),
      [
        ['/d/file', 'tmpfs', '/d', null],
        ['/home/coder/.local/x', 'named-volume', '/home/coder/.local', 'capnamed'],
        ['/etc/x', 'writable-layer', '/', null],
      ],
    );
    assert.deepEqual(Object.keys(rows[0]).sort(), ['mountPoint', 'path', 'readOnly', 'status', 'survives']);
  });

  it('needs a path', async () => {
    assert.equal(await runCli(['where'], capture().io), 2);
  });
});
