import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseJsonc } from 'jsonc-parser';
import { isMap, parseDocument } from 'yaml';
import { planComposeEnv } from '../../../src/fixes/compose-env';
import { planDevcontainerEnv } from '../../../src/fixes/devcontainer-fix';
import { combinedEdits, lineDiff, planComposeRedirect, planDevcontainerRedirect, redirectOf } from '../../../src/fixes/redirect';
import { applyEdits } from '../../../src/fixes/text';
import { FixRefusal } from '../../../src/fixes/types';
import { CORPUS_DIR } from '../helpers/corpus';
import { alreadyPersisted, planned as planOf } from '../helpers/fix-outcome';

const HIST = redirectOf('/root/.bash_history')!;
const env = (text: string, extra: Partial<Parameters<typeof planComposeEnv>[0]> = {}) =>
  planComposeEnv({
    file: 'compose.yaml',
    text,
    service: 'app',
    variable: 'HISTFILE',
    value: '/commandhistory/.bash_history',
    replaces: '/root/.bash_history',
    ...extra,
  });

describe('redirect: a single file moved into a persisted folder by its variable', () => {
  it('knows the variable of each tool', () => {
    assert.deepEqual(
      [redirectOf('/root/.bash_history'), redirectOf('/home/node/.claude.json'), redirectOf('/home/u/.gitconfig')].map(
        (r) => r && [r.variable, r.value, r.folder, r.movedTo],
      ),
      [
        ['HISTFILE', '/commandhistory/.bash_history', '/commandhistory', '/commandhistory/.bash_history'],
        ['CLAUDE_CONFIG_DIR', '/home/node/.claude', '/home/node/.claude', '/home/node/.claude/.claude.json'],
        ['GIT_CONFIG_GLOBAL', '/home/u/.config/git/config', '/home/u/.config/git', '/home/u/.config/git/config'],
      ],
    );
    assert.equal(redirectOf('/home/u/.git-credentials'), undefined);
    assert.match(HIST.why, /single file.*HISTFILE=\/commandhistory\/\.bash_history/);
  });

  it('adds to a map environment, keeping comments', () => {
    const text = 'services:\n  app:\n    image: x # the image\n    environment:\n      A: "1" # keep me\n    user: node\n';
    const p = env(text);
    assert.equal(p.change, 'added');
    assert.equal(
      p.newText,
      'services:\n  app:\n    image: x # the image\n    environment:\n      A: "1" # keep me\n      HISTFILE: /commandhistory/.bash_history\n    user: node\n',
    );
  });

  it('adds to a list environment in its style', () => {
    const text = "services:\n  app:\n    environment:\n      - 'A=1'\n";
    assert.equal(
      env(text).newText,
      "services:\n  app:\n    environment:\n      - 'A=1'\n      - 'HISTFILE=/commandhistory/.bash_history'\n",
    );
  });

  it('creates environment: when there is none, in the style of another service', () => {
    assert.equal(
      env('services:\n  app:\n    image: x\n').newText,
      'services:\n  app:\n    image: x\n    environment:\n      HISTFILE: /commandhistory/.bash_history\n',
    );
    const listed = 'services:\n  db:\n    environment:\n      - B=2\n  app:\n    image: x';
    assert.equal(
      env(listed).newText,
      'services:\n  db:\n    environment:\n      - B=2\n  app:\n    image: x\n    environment:\n      - HISTFILE=/commandhistory/.bash_history\n',
    );
  });

  it('keeps the target, replaces the file at risk, refuses any other value', () => {
    const kept = env('services:\n  app:\n    environment:\n      HISTFILE: /commandhistory/.bash_history\n');
    assert.deepEqual([kept.change, kept.edits], ['kept', []]);
    const replaced = env('services:\n  app:\n    environment:\n      - HISTFILE=/root/.bash_history # old\n');
    assert.equal(replaced.change, 'replaced');
    assert.equal(replaced.newText, 'services:\n  app:\n    environment:\n      - HISTFILE=/commandhistory/.bash_history # old\n');
    assert.throws(
      () => env('services:\n  app:\n    environment:\n      HISTFILE: /data/hist\n'),
      (e: Error) => e instanceof FixRefusal && /HISTFILE is already set to "\/data\/hist"/.test(e.message),
    );
    assert.throws(
      () => env('services:\n  app:\n    environment:\n      - HISTFILE\n'),
      (e: Error) => e instanceof FixRefusal && /HISTFILE is already listed without a value/.test(e.message),
    );
  });

  it('refuses an environment shared through an anchor, or brought by a merge key', () => {
    const shared = 'x: &e\n  A: 1\nservices:\n  app:\n    environment: *e\n';
    assert.throws(() => env(shared), /shared through the alias \*e/);
    const anchored = 'services:\n  app:\n    environment: &e\n      A: 1\n  b:\n    environment: *e\n';
    assert.throws(() => env(anchored), /shared through the anchor &e/);
    const merged = 'x: &d\n  environment:\n    A: 1\nservices:\n  app:\n    <<: *d\n    image: x\n';
    assert.throws(() => env(merged), /merge key/);
  });

  it('one plan for compose: the folder volume and the variable, as edits of the original text', () => {
    const text = '# mine\nservices:\n  app:\n    image: x\n    environment:\n      HISTFILE: /root/.bash_history\n';
    const plan = planOf(planComposeRedirect({ file: 'compose.yaml', text, service: 'app', redirect: HIST }));
    assert.equal(plan.kind, 'redirect-file');
    assert.equal(plan.volumeName, 'app-commandhistory');
    assert.equal(plan.redirect, HIST);
    assert.equal(applyEdits(text, plan.edits), plan.newText);
    assert.equal(
      plan.newText,
      '# mine\nservices:\n  app:\n    image: x\n    environment:\n      HISTFILE: /commandhistory/.bash_history\n    volumes:\n      - app-commandhistory:/commandhistory\n\nvolumes:\n  app-commandhistory:\n',
    );
    assert.match(plan.title, /Move \/root\/\.bash_history into \/commandhistory and set HISTFILE=\/commandhistory\/\.bash_history/);
    // Done already: nothing to plan.
    alreadyPersisted(planComposeRedirect({ file: 'compose.yaml', text: plan.newText, service: 'app', redirect: HIST }));
  });

  it('devcontainer.json: containerEnv and a mounts entry, comments and layout kept', () => {
    const text = '{\n  // the image\n  "image": "x",\n  "mounts": ["source=a,target=/a,type=volume"], // one line\n}\n';
    const plan = planOf(planDevcontainerRedirect({ file: 'devcontainer.json', text, redirect: HIST }));
    assert.equal(applyEdits(text, plan.edits), plan.newText);
    assert.equal(
      plan.newText,
      '{\n  // the image\n  "image": "x",\n  "mounts": ["source=a,target=/a,type=volume", "source=commandhistory-${devcontainerId},target=/commandhistory,type=volume"], // one line\n  "containerEnv": {\n    "HISTFILE": "/commandhistory/.bash_history"\n  },\n}\n',
    );
    const inline = planDevcontainerEnv({
      file: 'd.json',
      text: '{\n  "containerEnv": { "A": "1" }, // c\n  "image": "x"\n}',
      variable: 'HISTFILE',
      value: '/c/h',
      replaces: '/root/.bash_history',
    });
    assert.equal(inline.newText, '{\n  "containerEnv": { "A": "1", "HISTFILE": "/c/h" }, // c\n  "image": "x"\n}');
    const lines = planDevcontainerEnv({
      file: 'd.json',
      text: '{\n  "containerEnv": {\n    "A": "1" // c\n  }\n}',
      variable: 'HISTFILE',
      value: '/c/h',
    });
    assert.equal(lines.newText, '{\n  "containerEnv": {\n    "A": "1", // c\n    "HISTFILE": "/c/h"\n  }\n}');
    assert.throws(
      () => planDevcontainerEnv({ file: 'd.json', text: '{ "remoteEnv": { "HISTFILE": "/x" } }', variable: 'HISTFILE', value: '/c/h' }),
      /remoteEnv/,
    );
    assert.throws(
      () =>
        planDevcontainerEnv({
          file: 'd.json',
          text: '{ "containerEnv": { "HISTFILE": "/x" } }',
          variable: 'HISTFILE',
          value: '/c/h',
          replaces: '/root/.bash_history',
        }),
      FixRefusal,
    );
  });

  it('combined edits fall back to the changed lines, which still give the new text', () => {
    const before = 'a\nb\nc\n';
    const after = 'a\nB\nx\nc\n';
    assert.equal(applyEdits(before, [lineDiff(before, after)]), after);
    assert.equal(
      applyEdits(before, combinedEdits(before, [{ offset: 2, length: 1, text: 'B' }], [{ offset: 2, length: 1, text: 'B\nx' }], after)),
      after,
    );
  });

  it('every corpus file stays parseable after the redirect, with only the variable and the volume added', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const n of readdirSync(dir)) {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$|devcontainer\.json$/.test(n)) files.push(p);
      }
    };
    walk(CORPUS_DIR);
    let planned = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const where = relative(CORPUS_DIR, file);
      if (file.endsWith('.json')) {
        const data = parseJsonc(text) as Record<string, unknown> | undefined;
        if (!data || typeof data !== 'object' || data.dockerComposeFile !== undefined) continue;
        try {
          const o = planDevcontainerRedirect({ file, text, redirect: HIST });
          if (o.status === 'already-persisted') continue;
          const plan = o.plan;
          assert.equal(applyEdits(text, plan.edits), plan.newText, where);
          const after = parseJsonc(plan.newText) as Record<string, Record<string, string>>;
          assert.equal(after.containerEnv!.HISTFILE, HIST.value, where);
          planned++;
        } catch (e) {
          assert.ok(e instanceof FixRefusal, `${where}: ${(e as Error).stack}`);
        }
        continue;
      }
      const doc = parseDocument(text, { merge: true });
      const services = doc.errors.length === 0 ? doc.get('services', true) : undefined;
      if (!isMap(services)) continue;
      for (const pair of services.items) {
        const service = String((pair.key as { value?: unknown }).value ?? pair.key);
        try {
          const o = planComposeRedirect({ file, text, service, redirect: HIST });
          if (o.status === 'already-persisted') continue;
          const plan = o.plan;
          assert.equal(applyEdits(text, plan.edits), plan.newText, where);
          const after = parseDocument(plan.newText, { merge: true });
          assert.equal(after.errors.length, 0, where);
          planned++;
        } catch (e) {
          assert.ok(e instanceof FixRefusal || (e as Error).name === 'InputError', `${where} ${service}: ${(e as Error).stack}`);
        }
      }
    }
    assert.ok(planned > 50, `planned ${planned}`);
  });
});
