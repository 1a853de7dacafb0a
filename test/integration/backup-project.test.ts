/**
 * Issue 13, point 18 on a real Docker Engine with docker-compose v1: `backup --project P` writes one verified
 * archive per member (two named volumes, an anonymous volume, a path of a writable layer) and the set manifest;
 * `restore SET --project P2` into a new project whose containers `up --no-start` made, then `up -d` sees the same
 * data file by file (content, mode, owner); a damaged member refuses the whole set with nothing written;
 * retention keeps N sets and deletes only the members of the sets it prunes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TestRun, IMAGE, TEST_LABEL, BACKUP_RUN_LABEL, archiveDigest } from './helpers/backup/engine';

const exec = promisify(execFile);
const CLI = join(__dirname, 'helpers', 'backup', 'cli.ts');

let run: TestRun;
let work: string;
let composeDir: string;
const projects: string[] = [];

async function compose(project: string, ...args: string[]): Promise<string> {
  if (!projects.includes(project)) projects.push(project);
  const r = await exec('docker-compose', ['-p', project, '-f', join(composeDir, 'docker-compose.yml'), ...args], {
    cwd: composeDir,
    timeout: 120_000,
  });
  return r.stdout;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, PERSISTENCE_LENS_HELPER_LABELS: run.labelsEnv },
      timeout: 240_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const sh = async (container: string, script: string): Promise<void> => void (await exec('docker', ['exec', container, 'sh', '-c', script]));

before(async () => {
  run = await TestRun.start();
  work = mkdtempSync(join(tmpdir(), 'pl-backup-project-'));
  composeDir = join(work, 'compose');
  require('node:fs').mkdirSync(composeDir);
  const labels = `{ ${TEST_LABEL}: "1", ${BACKUP_RUN_LABEL}: "${run.id}" }`;
  writeFileSync(
    join(composeDir, 'docker-compose.yml'),
    `version: "2.4"
services:
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    stop_grace_period: 1s
    labels: ${labels}
    volumes:
      - dbdata:/var/lib/mysql
      - /data/db
  web:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    stop_grace_period: 1s
    labels: ${labels}
    volumes:
      - webdata:/srv/www
volumes:
  dbdata: { labels: ${labels} }
  webdata: { labels: ${labels} }
`,
  );
});

after(async () => {
  for (const p of projects)
    await exec('docker-compose', ['-p', p, '-f', join(composeDir, 'docker-compose.yml'), 'down', '-v', '-t', '1'], {
      cwd: composeDir,
    }).catch(() => undefined);
  await run?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Every file of the members' places in a project's containers: content, mode, owner. */
async function projectDigest(project: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [service, paths] of [
    ['db', ['/var/lib/mysql', '/data/db']],
    ['web', ['/srv/www', '/workspace']],
  ] as const) {
    const c = run.docker.getContainer(`${project}_${service}_1`);
    for (const p of paths) {
      const d = await archiveDigest(c, `${p}/.`);
      for (const [name, e] of d)
        if (name !== '.') out[`${service}:${p}/${name}`] = { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, sha256: e.sha256 };
    }
  }
  return out;
}

describe('backup --project / restore SET --project (issue 13, point 18)', { timeout: 600_000 }, () => {
  const P = `plset${run0()}`;
  let setFile = '';
  let out = '';

  it('backs up every member as its own archive plus the set, and restores it into a new project', async () => {
    out = join(work, 'out');
    await compose(P, 'up', '-d');
    await sh(
      `${P}_db_1`,
      'echo ibdata > /var/lib/mysql/ibdata1 && chown 999:999 /var/lib/mysql/ibdata1 && chmod 640 /var/lib/mysql/ibdata1 && echo wt > /data/db/collection.wt && chmod 600 /data/db/collection.wt',
    );
    await sh(
      `${P}_web_1`,
      'mkdir -p /srv/www/site /workspace/src && echo "<h1>" > /srv/www/site/index.html && echo "notes" > /workspace/notes.txt && chown 1000:1000 /workspace/notes.txt && echo x > /workspace/src/main.c && chmod 755 /workspace/src/main.c',
    );
    const before = await projectDigest(P);
    assert.equal(Object.keys(before).length >= 7, true, JSON.stringify(before));

    const b = await cli('backup', '--project', P, '--out', out, '--json');
    assert.equal(b.code, 0, b.stderr);
    const r = JSON.parse(b.stdout) as {
      set: string;
      manifest: { members: Array<{ key: string; kind: string; archive: string; sha256: string; criticality: string; path: string }> };
    };
    setFile = r.set;
    assert.ok(setFile.endsWith('.set.json') && existsSync(setFile));
    const members = r.manifest.members;
    assert.deepEqual(members.map((m) => m.path).sort(), ['/data/db', '/srv/www', '/var/lib/mysql', '/workspace']);
    // most critical first
    const ranks = members.map((m) => ['critical', 'high', 'medium', 'low', 'none'].indexOf(m.criticality));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    for (const m of members) {
      assert.ok(existsSync(join(out, m.archive)), m.archive);
      const man = JSON.parse(readFileSync(join(out, m.archive.replace(/\.tar\.gz$/, '.manifest.json')), 'utf8'));
      assert.equal(man.sha256, m.sha256);
      assert.equal(man.set, setFile.split('/').pop());
    }

    // a new project: its containers made (not started), then the set restored into it, then started
    const P2 = `${P}copy`;
    await compose(P2, 'up', '--no-start');
    const res = await cli('restore', setFile, '--project', P2, '--json');
    assert.equal(res.code, 0, res.stderr);
    await compose(P2, 'up', '-d');
    const after = await projectDigest(P2);
    assert.deepEqual(after, before);
    const vol = await run.docker.getVolume(`${P2}_dbdata`).inspect();
    assert.equal(vol.Labels?.['com.docker.compose.project'], P2);
  });

  it('refuses a set with a damaged member as a whole: nothing is written', async () => {
    const set = JSON.parse(readFileSync(setFile, 'utf8')) as { members: Array<{ archive: string }> };
    const damagedDir = join(work, 'damaged');
    require('node:fs').mkdirSync(damagedDir);
    for (const f of readdirSync(out)) writeFileSync(join(damagedDir, f), readFileSync(join(out, f)));
    // the LAST member damaged: the first ones must not have been written either
    const last = join(damagedDir, set.members[set.members.length - 1]!.archive);
    const bytes = readFileSync(last);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(last, bytes);
    const P3 = `${P}dmg`;
    const res = await cli('restore', join(damagedDir, setFile.split('/').pop()!), '--project', P3);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /refused.*nothing was restored/);
    const vols = await run.docker.listVolumes({ filters: { name: [P3] } });
    assert.deepEqual(
      (vols.Volumes ?? []).map((v) => v.Name),
      [],
      'no volume of the new project was made',
    );
    // a missing member too
    rmSync(join(damagedDir, set.members[0]!.archive));
    const res2 = await cli('restore', join(damagedDir, setFile.split('/').pop()!), '--project', P3);
    assert.equal(res2.code, 2);
    assert.match(res2.stderr, /is missing/);
  });

  it('keeps N sets per project and deletes only the members of the sets it prunes', async () => {
    const dir = join(work, 'retention');
    const sets: string[] = [];
    const stranger = join(dir, 'volume-someone-else-20200101T000000Z.tar.gz');
    for (let i = 0; i < 3; i++) {
      const b = await cli('backup', '--project', P, '--out', dir, '--keep', '2', '--json');
      assert.equal(b.code, 0, b.stderr);
      sets.push(JSON.parse(b.stdout).set);
      if (i === 0) writeFileSync(stranger, 'not a member');
      await new Promise((r) => setTimeout(r, 1100)); // distinct stamps
    }
    const first = JSON.parse(readFileSync(sets[1]!, 'utf8')) as { members: Array<{ archive: string }> };
    assert.equal(existsSync(sets[0]!), false, 'the oldest set went');
    assert.ok(existsSync(sets[1]!) && existsSync(sets[2]!));
    for (const m of first.members) assert.ok(existsSync(join(dir, m.archive)), `a kept set's member ${m.archive} stays`);
    const names = readdirSync(dir);
    assert.equal(names.filter((n) => n.endsWith('.tar.gz')).length, 2 * 4 + 1, names.join('\n'));
    assert.ok(existsSync(stranger), 'an archive that is not a member of a pruned set stays');
  });
});

function run0(): string {
  return Math.random().toString(36).slice(2, 8);
}
