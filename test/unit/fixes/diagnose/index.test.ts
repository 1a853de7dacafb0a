import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { diagnoseConfigFile, type FindingCode, type Finding as LazyFinding, type PlannedFixes } from '../../../../src/fixes/diagnose/index';
import { applyEdits } from '../../../../src/fixes/text';
import { CORPUS_DIR } from '../../helpers/corpus';

const ROOT = resolve(__dirname, '../../../..');
const EXAMPLES = join(ROOT, 'examples');
const CORPUS = CORPUS_DIR;
/** Interpolation must not depend on who runs the tests. */
const ENV = { HOME: '/home/tester', PATH: '/usr/bin' };

const lines = (...l: string[]): string => l.join('\n') + '\n';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A throwaway project folder with these files; returns its absolute path. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-diagnose-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A finding with its fixes planned, as the editor has them once it asks for a line's quick fixes. */
type Finding = LazyFinding & PlannedFixes;

async function diagnoseFile(
  file: string,
  text = readFileSync(file, 'utf8'),
  extra: { overlay?: Map<string, string>; minimumCriticality?: 'low' } = {},
): Promise<Finding[]> {
  const findings = await diagnoseConfigFile({ file, text, env: ENV, ...extra });
  return Promise.all(findings.map(async (f) => ({ ...f, ...(await f.planFixes()) })));
}

/** A compact view: 1-based line, severity, code. */
function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.range.start.line + 1} ${f.severity} ${f.code}`);
}

function only(findings: Finding[], code: FindingCode): Finding {
  const matching = findings.filter((f) => f.code === code);
  assert.equal(matching.length, 1, `expected one ${code}, got ${JSON.stringify(summary(findings))}`);
  return matching[0]!;
}

/** The text under a finding's range. */
function underlined(text: string, f: Finding): string {
  assert.equal(f.range.start.line, f.range.end.line);
  return text.split('\n')[f.range.start.line]!.slice(f.range.start.character, f.range.end.character);
}

/** Applies a fix the way the editor does, and checks that the plan is for `text` and says what it does. */
function applied(text: string, f: Finding, which = 0): string {
  const fix = f.fixes[which];
  assert.ok(fix, `no fix #${which} on ${f.code}`);
  assert.equal(fix.plan.originalText, text, 'the plan was made against another text');
  const out = applyEdits(text, fix.plan.edits);
  assert.equal(out, fix.plan.newText);
  return out;
}

describe('diagnostics: the bundled examples', () => {
  it('agent-sandbox: HOME and CLAUDE_CONFIG_DIR on their lines, the SSH bind as information', async () => {
    const file = join(EXAMPLES, 'agent-sandbox/compose.yaml');
    const text = readFileSync(file, 'utf8');
    const findings = await diagnoseFile(file, text);
    assert.deepEqual(summary(findings), [
      '8 warning home-not-persisted',
      '10 warning agent-state-not-persisted',
      '15 information host-ssh-bound',
    ]);
    // CODEX_HOME (line 9) is under the /data volume and the scratch tmpfs holds nothing that matters: quiet.

    const claude = only(findings, 'agent-state-not-persisted');
    assert.equal(underlined(text, claude), 'CLAUDE_CONFIG_DIR=/home/node/.claude');
    assert.equal(claude.service, 'agent');
    assert.equal(claude.path, '/home/node/.claude');
    assert.equal(claude.criticality, 'critical');
    assert.match(claude.message, /CLAUDE_CONFIG_DIR points at Claude Code state \/home\/node\/\.claude/);
    assert.deepEqual(
      claude.fixes.map((f) => [f.title, f.preferred]),
      [
        ['Add named volume "agent-claude" for /home/node/.claude', true],
        ['Bind /home/node/.claude to host folder ./.persist/agent-claude', false],
      ],
    );
    assert.equal(claude.fixes[0]!.plan.file, file);
    const fixed = applied(text, claude);
    assert.equal(
      fixed,
      text
        .replace(
          '        read_only: true\n',
          '        read_only: true\n      - type: volume\n        source: agent-claude\n        target: /home/node/.claude\n',
        )
        .replace(/volumes:\n  agent-data:\n$/, 'volumes:\n  agent-data:\n  agent-claude:\n'),
    );
    // Fixed: the warning is gone, the others stay.
    assert.deepEqual(summary(await diagnoseFile(file, fixed)), ['8 warning home-not-persisted', '15 information host-ssh-bound']);

    const home = only(findings, 'home-not-persisted');
    assert.equal(home.criticality, 'medium');
    assert.match(home.message, /hides what newer images put there/);

    const ssh = only(findings, 'host-ssh-bound');
    assert.equal(ssh.fixes.length, 0);
    assert.match(ssh.message, /\/home\/tester\/\.ssh/);
    assert.doesNotMatch(ssh.message, /and change them/, 'the bind is read-only');
  });

  it('code-server: a cache in an anonymous volume is below the warning floor, unless asked for', async () => {
    const file = join(EXAMPLES, 'code-server/compose.yaml');
    const text = readFileSync(file, 'utf8');
    assert.deepEqual(summary(await diagnoseFile(file, text)), ['10 warning home-not-persisted']);
    const low = await diagnoseFile(file, text, { minimumCriticality: 'low' });
    const cache = only(low, 'anonymous-volume');
    assert.equal(cache.range.start.line + 1, 18);
    assert.equal(underlined(text, cache), '/home/coder/.cache');
    assert.equal(cache.fixes[0]!.title, 'Name the anonymous volume at /home/coder/.cache "code-server-cache"');
    assert.equal(
      applied(text, cache),
      text
        .replace(
          '      - /home/coder/.cache                        #',
          '      - code-server-cache:/home/coder/.cache                        #',
        )
        .replace(/coder-data:\n$/, 'coder-data:\n  code-server-cache:\n'),
    );
  });

  it('devcontainer-postgres compose: postgres without a volume on its image line; HISTFILE is on the dev container volume', async () => {
    const file = join(EXAMPLES, 'devcontainer-postgres/.devcontainer/compose.yaml');
    const text = readFileSync(file, 'utf8');
    const findings = await diagnoseFile(file, text);
    assert.deepEqual(summary(findings), ['11 warning database-without-volume']);
    const db = findings[0]!;
    assert.equal(underlined(text, db), 'postgres:16');
    assert.equal(db.service, 'db');
    assert.equal(db.path, '/var/lib/postgresql/data');
    assert.match(db.message, /PostgreSQL data at \/var\/lib\/postgresql\/data has no volume of its own/);
    // No host folder for a database: its ownership depends on the host.
    assert.deepEqual(
      db.fixes.map((f) => [f.title, f.preferred]),
      [['Add named volume "db-data" for /var/lib/postgresql/data', true]],
    );
    const fixed = applied(text, db);
    assert.equal(
      fixed,
      text.replace(
        '      POSTGRES_PASSWORD: postgres\n',
        '      POSTGRES_PASSWORD: postgres\n    volumes:\n      - db-data:/var/lib/postgresql/data\n',
      ) + '\nvolumes:\n  db-data:\n',
    );
    assert.deepEqual(await diagnoseFile(file, fixed), []);
  });

  it('devcontainer-postgres devcontainer.json: compose-based, its own mount is a named volume: nothing to say', async () => {
    assert.deepEqual(await diagnoseFile(join(EXAMPLES, 'devcontainer-postgres/.devcontainer/devcontainer.json')), []);
  });
});

describe('diagnostics: the corpus', () => {
  it('a dev container compose file with postgres:latest: the data moved to /var/lib/postgresql in 18', async () => {
    const file = join(CORPUS, 'vscode-dev-containers/containers/python-3-postgres/.devcontainer/docker-compose.yml');
    const text = readFileSync(file, 'utf8');
    const db = only(await diagnoseFile(file, text), 'database-without-volume');
    assert.equal(underlined(text, db), 'postgres:latest');
    assert.equal(db.path, '/var/lib/postgresql');
    const fixed = applied(text, db);
    assert.match(fixed, /\n {6}- db-postgresql:\/var\/lib\/postgresql\n/);
    assert.deepEqual(summary(await diagnoseFile(file, fixed)), []);
  });

  it('the Docker socket bound into a service is an information hint without fixes', async () => {
    const file = join(CORPUS, 'vscode-dev-containers/containers/docker-from-docker-compose/.devcontainer/docker-compose.yml');
    const text = readFileSync(file, 'utf8');
    const hint = only(await diagnoseFile(file, text), 'docker-socket-bound');
    assert.equal(hint.severity, 'information');
    assert.equal(underlined(text, hint), '/var/run/docker.sock:/var/run/docker-host.sock');
    assert.deepEqual(hint.fixes, []);
  });

  it('the Docker socket in a devcontainer.json mounts string', async () => {
    const file = join(CORPUS, 'vscode-dev-containers/containers/docker-from-docker/.devcontainer/devcontainer.json');
    const text = readFileSync(file, 'utf8');
    const hint = only(await diagnoseFile(file, text), 'docker-socket-bound');
    assert.equal(underlined(text, hint), '"source=/var/run/docker.sock,target=/var/run/docker-host.sock,type=bind"');
  });
});

describe('diagnostics: what the editor has not saved', () => {
  it('reads the text given, not the file on disk, and plans against it', async () => {
    const dir = project({
      'compose.yaml': lines(
        'services:',
        '  pgdb:',
        '    image: postgres:16',
        '    volumes:',
        '      - pgdata:/var/lib/postgresql/data',
        'volumes:',
        '  pgdata:',
      ),
    });
    const file = join(dir, 'compose.yaml');
    assert.deepEqual(await diagnoseFile(file), []);
    const typed = lines(
      'services:',
      '  pgdb:',
      '    image: postgres:16',
      '    volumes:',
      '      - /var/lib/postgresql/data',
      'volumes:',
      '  pgdata:',
    );
    const findings = await diagnoseFile(file, typed);
    const anon = only(findings, 'anonymous-volume');
    assert.equal(anon.range.start.line, 4);
    assert.match(anon.message, /Anonymous volume at \/var\/lib\/postgresql\/data \(PostgreSQL data\)/);
    assert.equal(anon.fixes.length, 1);
    assert.equal(
      applied(typed, anon),
      lines(
        'services:',
        '  pgdb:',
        '    image: postgres:16',
        '    volumes:',
        '      - pgdb-data:/var/lib/postgresql/data',
        'volumes:',
        '  pgdata:',
        '  pgdb-data:',
      ),
    );
    assert.equal(readFileSync(file, 'utf8').includes('pgdata:/var'), true, 'the disk was not touched');
  });

  it('an included file that is open and changed is read from the overlay', async () => {
    const dir = project({
      'compose.yaml': lines('include:', '  - other.yaml', 'services:', '  web:', '    image: nginx'),
      'other.yaml': lines(
        'services:',
        '  cache:',
        '    image: redis:7',
        '    volumes:',
        '      - cache-data:/data',
        'volumes:',
        '  cache-data:',
      ),
    });
    const main = join(dir, 'compose.yaml');
    const other = join(dir, 'other.yaml');
    assert.deepEqual(await diagnoseFile(other), []);
    const unsaved = lines('services:', '  cache:', '    image: redis:7');
    // The included file diagnosed on its own, with its unsaved text...
    assert.deepEqual(summary(await diagnoseFile(other, unsaved)), ['3 warning database-without-volume']);
    // ...and the file that includes it sees the unsaved text too (the warning is not its to show: no line of it).
    const viaMain = await diagnoseFile(main, readFileSync(main, 'utf8'), { overlay: new Map([[other, unsaved]]) });
    assert.deepEqual(viaMain, []);
    const broken = await diagnoseFile(main, readFileSync(main, 'utf8'), { overlay: new Map([[other, 'services:\n  cache: [\n']]) });
    assert.deepEqual(summary(broken), ['1 error config-error']);
    assert.match(broken[0]!.message, /other\.yaml/);
  });

  it('an override file is read with the compose file it overrides, and fixed in itself', async () => {
    const dir = project({
      'compose.yaml': lines('services:', '  agent:', '    image: node:22'),
      'compose.override.yml': lines('services:', '  agent:', '    environment:', '      CODEX_HOME: /root/.codex'),
    });
    const file = join(dir, 'compose.override.yml');
    const text = readFileSync(file, 'utf8');
    const codex = only(await diagnoseFile(file, text), 'agent-state-not-persisted');
    assert.equal(codex.range.start.line, 3);
    assert.equal(codex.fixes[0]!.plan.file, file);
    assert.equal(
      applied(text, codex),
      lines(
        'services:',
        '  agent:',
        '    environment:',
        '      CODEX_HOME: /root/.codex',
        '    volumes:',
        '      - agent-codex:/root/.codex',
        '',
        'volumes:',
        '  agent-codex:',
      ),
    );
    // The base file has no line that places it: no warning there.
    assert.deepEqual(await diagnoseFile(join(dir, 'compose.yaml')), []);
  });

  it('tmpfs over a database directory: the tmpfs entry is replaced', async () => {
    const text = lines('services:', '  db:', '    image: mysql:8', '    tmpfs:', '      - /var/lib/mysql', '');
    const dir = project({ 'compose.yaml': text });
    const tmpfs = only(await diagnoseFile(join(dir, 'compose.yaml'), text), 'tmpfs-over-data');
    assert.equal(tmpfs.range.start.line, 4);
    assert.match(tmpfs.message, /wiped on every stop, restart and reboot/);
    assert.equal(tmpfs.fixes[0]!.title, 'Replace the tmpfs at /var/lib/mysql by named volume "db-mysql"');
    const fixed = applied(text, tmpfs);
    assert.doesNotMatch(fixed, /tmpfs/);
    assert.match(fixed, /- db-mysql:\/var\/lib\/mysql/);
    assert.deepEqual(await diagnoseFile(join(dir, 'compose.yaml'), fixed), []);
  });

  it('a volume taken through volumes_from is warned about once, at the service that declares it', async () => {
    const text = lines(
      'services:',
      '  a:',
      '    image: busybox',
      '    volumes:',
      '      - /srv/state',
      '  b:',
      '    image: busybox',
      '    volumes_from:',
      '      - a',
    );
    const dir = project({ 'compose.yaml': text });
    const findings = await diagnoseFile(join(dir, 'compose.yaml'), text);
    assert.deepEqual(summary(findings), ['5 warning anonymous-volume']);
    assert.equal(findings[0]!.service, 'a');
  });
});

describe('diagnostics: quick fixes planned when asked for', () => {
  it('a finding plans its fixes once, against the diagnosed text, even after the file changed on disk', async () => {
    const text = lines('services:', '  db:', '    image: postgres:16');
    const dir = project({ 'compose.yaml': text });
    const file = join(dir, 'compose.yaml');
    const [db] = await diagnoseConfigFile({ file, text, env: ENV });
    assert.equal(db?.code, 'database-without-volume');
    writeFileSync(file, lines('services:', '  other:', '    image: busybox'));
    const first = db!.planFixes();
    assert.equal(db!.planFixes(), first, 'a second request plans again');
    const { fixes } = await first;
    assert.equal(fixes[0]?.plan.originalText, text);
    assert.match(fixes[0]!.plan.newText, /db-data:\/var\/lib\/postgresql\/data/);
  });

  it('a service the planner cannot edit safely gets no fix, and the reason why', async () => {
    const text = lines('services:', '  db: { image: "postgres:16" }');
    const dir = project({ 'compose.yaml': text });
    const [db] = await diagnoseFile(join(dir, 'compose.yaml'), text);
    assert.equal(db?.code, 'database-without-volume');
    assert.deepEqual(db.fixes, []);
    assert.match(db.noFixReason ?? '', /service "db" is not a block mapping/);
  });

  it('information hints and unreadable files have no fixes to plan', async () => {
    const text = lines('services:', '  app:', '    image: busybox', '    volumes:', '      - /var/run/docker.sock:/var/run/docker.sock');
    const dir = project({ 'compose.yaml': text, 'broken.yaml': 'services: [' });
    const [hint] = await diagnoseConfigFile({ file: join(dir, 'compose.yaml'), text, env: ENV });
    assert.equal(hint?.severity, 'information');
    assert.deepEqual(await hint!.planFixes(), { fixes: [] });
    const [error] = await diagnoseConfigFile({ file: join(dir, 'broken.yaml'), text: 'services: [', env: ENV });
    assert.equal(error?.code, 'config-error');
    assert.deepEqual(await error!.planFixes(), { fixes: [] });
  });
});

describe('diagnostics: devcontainer.json', () => {
  it('environment, anonymous mounts and the SSH folder of an image-based dev container', async () => {
    const text = [
      '// a dev container',
      '{',
      '  "image": "mcr.microsoft.com/devcontainers/base:bookworm",',
      '  "remoteUser": "vscode",',
      '  "containerEnv": {',
      '    "CODEX_HOME": "/home/vscode/.codex", // agent state',
      '  },',
      '  "mounts": [',
      '    "target=/home/vscode/.claude,type=volume",',
      '    "source=${localEnv:HOME}/.ssh,target=/home/vscode/.ssh,type=bind",',
      '  ],',
      '}',
      '',
    ].join('\n');
    const dir = project({ '.devcontainer/devcontainer.json': text });
    const file = join(dir, '.devcontainer/devcontainer.json');
    const findings = await diagnoseFile(file, text);
    assert.deepEqual(summary(findings), [
      '6 warning agent-state-not-persisted',
      '9 warning anonymous-volume',
      '10 information host-ssh-bound',
    ]);

    const codex = only(findings, 'agent-state-not-persisted');
    assert.equal(underlined(text, codex), '"CODEX_HOME": "/home/vscode/.codex"');
    assert.equal(codex.fixes.length, 1);
    assert.equal(
      applied(text, codex),
      text.replace('type=bind",\n', 'type=bind",\n    "source=codex-${devcontainerId},target=/home/vscode/.codex,type=volume",\n'),
    );

    // A second entry at the same path would make Docker refuse the container ("Duplicate mount point"):
    // the entry itself is changed into a named volume.
    const anon = only(findings, 'anonymous-volume');
    assert.equal(anon.fixes.length, 1);
    assert.equal(
      applied(text, anon),
      text.replace(
        '"target=/home/vscode/.claude,type=volume"',
        '"source=claude-${devcontainerId},target=/home/vscode/.claude,type=volume"',
      ),
    );
    assert.match(only(findings, 'host-ssh-bound').message, /\/home\/tester\/\.ssh.*and change them/);
  });

  it('a compose-based dev container: its environment is fixed in the compose file of its service', async () => {
    const dir = project({
      '.devcontainer/compose.yaml': lines('services:', '  dev:', '    image: node:22', '    command: sleep infinity'),
      '.devcontainer/devcontainer.json':
        '{\n  "dockerComposeFile": "compose.yaml",\n  "service": "dev",\n  "remoteEnv": { "CLAUDE_CONFIG_DIR": "/home/node/.claude" }\n}\n',
    });
    const file = join(dir, '.devcontainer/devcontainer.json');
    const compose = join(dir, '.devcontainer/compose.yaml');
    const claude = only(await diagnoseFile(file), 'agent-state-not-persisted');
    assert.equal(claude.range.start.line, 3);
    const plan = claude.fixes[0]!.plan;
    assert.equal(plan.file, compose);
    assert.equal(plan.originalText, readFileSync(compose, 'utf8'));
    assert.equal(
      applyEdits(plan.originalText, plan.edits),
      lines(
        'services:',
        '  dev:',
        '    image: node:22',
        '    command: sleep infinity',
        '    volumes:',
        '      - dev-claude:/home/node/.claude',
        '',
        'volumes:',
        '  dev-claude:',
      ),
    );
  });
});

describe('diagnostics: text that does not parse, as it is being typed', () => {
  it('malformed YAML is one error where the reader stopped', async () => {
    const dir = project({ 'compose.yaml': '' });
    const text = lines('services:', '  db:', '    image: postgres:16', '    volumes: [', '  web:', '    image: nginx');
    const findings = await diagnoseFile(join(dir, 'compose.yaml'), text);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.severity, 'error');
    assert.equal(findings[0]!.code, 'config-error');
    assert.ok(findings[0]!.range.start.line >= 3, `the error is at line ${findings[0]!.range.start.line + 1}`);
    assert.doesNotMatch(findings[0]!.message, /compose\.yaml:\d+:\d+/, 'the location is the range, not a prefix');
  });

  it('malformed JSONC is one error at the offending token', async () => {
    const dir = project({ 'devcontainer.json': '' });
    const text = '{\n  "image": "node:22",\n  "mounts": [\n    "target=/x,type=volume"\n    "oops"\n  ]\n}\n';
    const findings = await diagnoseFile(join(dir, 'devcontainer.json'), text);
    assert.deepEqual(summary(findings), ['5 error config-error']);
    assert.match(findings[0]!.message, /invalid JSON/);
  });

  it('every prefix of the examples, as if typed character by character, gives findings and never throws', async () => {
    const files = [
      join(EXAMPLES, 'agent-sandbox/compose.yaml'),
      join(EXAMPLES, 'devcontainer-postgres/.devcontainer/devcontainer.json'),
      join(EXAMPLES, 'code-server/compose.yaml'),
    ];
    let errors = 0;
    let runs = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (let n = 0; n <= text.length; n += 3) {
        const findings = await diagnoseFile(file, text.slice(0, n));
        runs++;
        assert.ok(Array.isArray(findings));
        const errs = findings.filter((f) => f.severity === 'error');
        assert.ok(errs.length <= 1, 'at most one error');
        if (errs.length === 1) {
          errors++;
          assert.equal(findings.length, 1, 'an unreadable file has no other findings');
        }
        for (const f of findings) {
          const lineCount = text.slice(0, n).split('\n').length;
          assert.ok(f.range.start.line < Math.max(lineCount, 1), `range past the end of the text: ${JSON.stringify(f.range)}`);
          for (const fix of f.fixes) assert.equal(applyEdits(fix.plan.originalText, fix.plan.edits), fix.plan.newText);
        }
      }
    }
    // Most prefixes cut a word or a bracket in half: the errors are there, and so are the clean cuts.
    assert.ok(errors > 0 && errors < runs, `${errors} errors in ${runs} prefixes`);
  });
});
describe('diagnostic messages', () => {
  it('say that no volume covers a path once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-diag-msg-'));
    const file = join(dir, 'compose.yaml');
    const text = ['services:', '  agent:', '    image: node:22', '    environment:', '      CODEX_HOME: /root/.codex', ''].join('\n');
    writeFileSync(file, text);
    const [f] = await diagnoseConfigFile({ file, text });
    assert.ok(f, 'a finding');
    assert.match(
      f.message,
      /^CODEX_HOME points at Codex state \/root\/\.codex, which no volume covers: it lives in the container's writable layer/,
    );
    assert.equal(f.message.match(/no volume covers/gi)?.length, 1, f.message);
  });
});
