import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, recordMetric, runnerEnv, waitFor } from './harness';

const SOURCE = 'Persistence Lens';

const lines = (...l: string[]): string => l.join('\n') + '\n';

/** This suite's own diagnostics of a document, once they satisfy `ready`. */
async function diagnosticsOf(
  uri: vscode.Uri,
  what: string,
  ready: (ds: vscode.Diagnostic[]) => boolean,
  timeoutMs = 15_000,
): Promise<vscode.Diagnostic[]> {
  return waitFor(what, timeoutMs, () => {
    const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
    return ready(ds) ? ds : undefined;
  });
}

function summary(ds: vscode.Diagnostic[]): string[] {
  return ds.map((d) => `${d.range.start.line + 1} ${vscode.DiagnosticSeverity[d.severity]} ${String(d.code)}`).sort();
}

/**
 * The code actions of a range, as the light bulb asks for them. The editor cancels a request when the set of
 * code action providers changes under it (a fix that opens the compose file of a dev container makes the
 * editor start what serves YAML, which registers providers); the request then fails or comes back empty,
 * and the light bulb asks again. So do the tests: `expectSome` asks again while nothing comes back.
 */
async function codeActions(uri: vscode.Uri, range: vscode.Range, expectSome = false): Promise<(vscode.CodeAction | vscode.Command)[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const all =
        (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
          'vscode.executeCodeActionProvider',
          uri,
          range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      if (all.length > 0 || !expectSome || attempt === 3) return all;
    } catch (err) {
      if (attempt === 3 || !(err instanceof Error && err.message === 'Canceled')) throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The quick fixes the test expects on a range (at least one). */
async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = await codeActions(uri, range, true);
  // The command's results carry no `diagnostics` (it does not convert them back): ours are the quick fixes with an edit.
  return all.filter((a): a is vscode.CodeAction => 'edit' in a && !!a.edit && a.kind?.value === 'quickfix');
}

async function edit(f: (e: vscode.WorkspaceEdit) => void): Promise<void> {
  const e = new vscode.WorkspaceEdit();
  f(e);
  assert.ok(await vscode.workspace.applyEdit(e), 'the edit was not applied');
}

suite('Diagnostics and quick fixes on compose files and devcontainer.json', () => {
  let dir: string;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    if (!ext.isActive) await ext.activate();
    dir = join(realpathSync(runnerEnv('PL_EDITOR_WORKSPACE')), `diagnostics-${process.pid}`);
    mkdirSync(join(dir, '.devcontainer'), { recursive: true });
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a postgres service without a volume and an anonymous volume: warnings on their lines, fixed by their quick fixes', async function () {
    this.timeout(60_000);
    const original = lines(
      '# written by the diagnostics editor test',
      'services:',
      '  worker:',
      '    image: persistence-test:latest',
      '    volumes:',
      '      - /var/lib/worker-state   # anonymous',
      '  pgdb:',
      '    image: postgres:16',
      '    environment:',
      '      POSTGRES_PASSWORD: example',
    );
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, original);
    const started = performance.now();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);

    let ds = await diagnosticsOf(doc.uri, 'the two warnings', (d) => d.length === 2);
    recordMetric('diagnostics: open compose file to its warnings, engine loaded on first use (ms)', performance.now() - started);
    assert.deepEqual(summary(ds), ['6 Warning anonymous-volume', '8 Warning database-without-volume']);
    const db = ds.find((d) => d.code === 'database-without-volume')!;
    assert.equal(doc.getText(db.range), 'postgres:16');
    assert.match(db.message, /PostgreSQL data at \/var\/lib\/postgresql\/data has no volume of its own/);
    const anon = ds.find((d) => d.code === 'anonymous-volume')!;
    assert.equal(doc.getText(anon.range), '/var/lib/worker-state');

    // The database: one fix, preferred, a named volume.
    const dbFixes = await quickFixes(doc.uri, db.range);
    assert.deepEqual(
      dbFixes.map((a) => [a.title, a.isPreferred, a.kind?.value]),
      [['Add named volume "pgdb-data" for /var/lib/postgresql/data', true, 'quickfix']],
    );
    assert.ok(await vscode.workspace.applyEdit(dbFixes[0]!.edit!), 'the quick fix edit was not applied');
    const withDbVolume = original + lines('    volumes:', '      - pgdb-data:/var/lib/postgresql/data', '', 'volumes:', '  pgdb-data:');
    assert.equal(doc.getText(), withDbVolume);
    ds = await diagnosticsOf(doc.uri, 'the database warning to go away', (d) => d.length === 1);
    assert.deepEqual(summary(ds), ['6 Warning anonymous-volume']);

    // Undo takes the fix back as one step, and the warning returns.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original);
    await diagnosticsOf(doc.uri, 'the database warning after undo', (d) => d.length === 2);
    await vscode.commands.executeCommand('redo');
    assert.equal(doc.getText(), withDbVolume);
    ds = await diagnosticsOf(doc.uri, 'one warning after redo', (d) => d.length === 1);

    // The anonymous volume: named in place (preferred) or bound to a host folder.
    const anonFixes = await quickFixes(doc.uri, ds[0]!.range);
    assert.deepEqual(
      anonFixes.map((a) => [a.title, a.isPreferred]),
      [
        ['Name the anonymous volume at /var/lib/worker-state "worker-worker-state"', true],
        ['Bind the anonymous volume at /var/lib/worker-state to host folder ./.persist/worker-worker-state', false],
      ],
    );
    assert.ok(await vscode.workspace.applyEdit(anonFixes[0]!.edit!));
    assert.equal(
      doc.getText(),
      withDbVolume
        .replace('      - /var/lib/worker-state   # anonymous', '      - worker-worker-state:/var/lib/worker-state   # anonymous')
        .replace(/  pgdb-data:\n$/, '  pgdb-data:\n  worker-worker-state:\n'),
    );
    await diagnosticsOf(doc.uri, 'no warning left', (d) => d.length === 0);
    await doc.save();
    assert.equal(readFileSync(file, 'utf8'), doc.getText());
  });

  test('a fix asked for right after typing is planned against the new text, not the old one', async function () {
    this.timeout(60_000);
    const original = lines('services:', '  cache:', '    image: redis:7');
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, original);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const [redis] = await diagnosticsOf(doc.uri, 'the redis warning', (d) => d.length === 1);
    assert.equal(redis!.code, 'database-without-volume');

    // Two lines typed above: the stored plan is for the old text. Ask at once, before the debounced update
    // (the range covers the diagnostic where it was and where its line went).
    await edit((e) => e.insert(doc.uri, new vscode.Position(0, 0), '# a cache\n# for the tests\n'));
    const stale = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === SOURCE);
    assert.equal(
      stale[0]?.range.start.line,
      redis!.range.start.line,
      'the diagnostics were updated before the test could ask: the stale path was not exercised',
    );
    const fixes = await quickFixes(doc.uri, new vscode.Range(redis!.range.start, redis!.range.end.translate(2)));
    assert.equal(fixes.length, 1, `expected one re-planned fix, got ${JSON.stringify(fixes.map((f) => f.title))}`);
    assert.ok(await vscode.workspace.applyEdit(fixes[0]!.edit!));
    assert.equal(
      doc.getText(),
      '# a cache\n# for the tests\n' + original + lines('    volumes:', '      - cache-data:/data', '', 'volumes:', '  cache-data:'),
    );
    await diagnosticsOf(doc.uri, 'the warning to go away', (d) => d.length === 0);
  });

  test('a service no edit can safely change: no fix is offered, and the file stays as it was', async function () {
    this.timeout(60_000);
    const file = join(dir, 'compose.flow.yaml');
    const text = lines('services:', '  db: { image: "postgres:16" }');
    writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const [db] = await diagnosticsOf(doc.uri, 'the postgres warning', (d) => d.length === 1);
    assert.equal(db!.code, 'database-without-volume');
    // The provider answers with a disabled "Persist PATH" (its reason shown greyed out where the editor shows
    // disabled actions); the code action command leaves disabled actions out, so none with an edit comes back.
    const all = await codeActions(doc.uri, db!.range);
    assert.deepEqual(
      all.filter((a) => 'edit' in a && a.edit).map((a) => a.title),
      [],
    );
    assert.equal(doc.getText(), text);
    assert.equal(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === SOURCE).length, 1, 'the warning stays');
  });

  test('a syntax error typed halfway is one error diagnostic; the warnings come back when it is fixed', async function () {
    this.timeout(60_000);
    const original = lines(
      'services:',
      '  store:',
      '    image: mongo:7',
      '    volumes:',
      '      - mongo-data:/data/db',
      '      - mongo-config:/data/configdb',
      'volumes:',
      '  mongo-data:',
      '  mongo-config:',
    );
    const file = join(dir, 'compose.typing.yaml');
    writeFileSync(file, original);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    // Nothing at risk: no diagnostics. Wait long enough for a diagnosis to have run.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(summary(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === SOURCE)), []);

    // Typed character by character on a new line before `volumes:`, as a user does, ending in an unclosed flow list.
    await edit((e) => e.insert(doc.uri, new vscode.Position(6, 0), '\n'));
    const typed = '  worker: [';
    for (let i = 0; i < typed.length; i++) await edit((e) => e.insert(doc.uri, new vscode.Position(6, i), typed[i]!));
    assert.equal(doc.lineAt(6).text, typed);
    const errors = await diagnosticsOf(doc.uri, 'an error diagnostic', (d) =>
      d.some((x) => x.severity === vscode.DiagnosticSeverity.Error),
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'config-error');

    // Back to valid YAML with an anonymous volume: the error goes, a warning comes.
    await edit((e) =>
      e.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), original.replace('      - mongo-data:/data/db\n', '      - /data/db\n')),
    );
    const ds = await diagnosticsOf(
      doc.uri,
      'the anonymous volume warning',
      (d) => d.length === 1 && d[0]!.severity === vscode.DiagnosticSeverity.Warning,
    );
    assert.deepEqual(summary(ds), ['5 Warning anonymous-volume']);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true, 'the extension is still alive');
  });

  test("a devcontainer.json's environment is fixed in the compose file of its service, opened by the edit", async function () {
    this.timeout(60_000);
    const compose = join(dir, '.devcontainer/compose.yaml');
    const composeText = lines('services:', '  dev:', '    image: persistence-test:latest', '    command: sleep infinity');
    writeFileSync(compose, composeText);
    const json = join(dir, '.devcontainer/devcontainer.json');
    writeFileSync(
      json,
      '{\n  "dockerComposeFile": "compose.yaml",\n  "service": "dev",\n  "remoteEnv": { "CODEX_HOME": "/root/.codex" }\n}\n',
    );
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(json));
    await vscode.window.showTextDocument(doc);
    const [codex] = await diagnosticsOf(doc.uri, 'the agent state warning', (d) => d.length === 1);
    assert.equal(codex!.code, 'agent-state-not-persisted');
    assert.equal(codex!.range.start.line, 3);

    const fixes = await quickFixes(doc.uri, codex!.range);
    assert.deepEqual(
      fixes.map((a) => [a.title, a.isPreferred]),
      [['Add named volume "dev-codex" for /root/.codex', true]],
    );
    const edited = fixes[0]!.edit!.entries().map(([uri]) => uri.fsPath);
    assert.deepEqual(edited, [compose]);
    assert.ok(await vscode.workspace.applyEdit(fixes[0]!.edit!));
    const composeDoc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === compose);
    assert.ok(composeDoc, 'the compose file was not opened by the edit');
    assert.equal(
      composeDoc.getText(),
      composeText + lines('    volumes:', '      - dev-codex:/root/.codex', '', 'volumes:', '  dev-codex:'),
    );
    // Unsaved, the compose file is still what the devcontainer.json is read with: the warning goes.
    await edit((e) => e.insert(doc.uri, new vscode.Position(0, 1), ' '));
    await diagnosticsOf(doc.uri, 'the warning to go away', (d) => d.length === 0);
  });

  test('a Kubernetes Deployment: the emptyDir over the home warns on its volumeMount, and the quick fix turns it into a claim', async function () {
    this.timeout(60_000);
    // code-server's Helm chart rendered with persistence off (test/fixtures/kubernetes, sources in its header)
    const fixture = readFileSync(
      join(runnerEnv('PL_EDITOR_EXTENSION_PATH'), 'test', 'fixtures', 'kubernetes', 'code-server-persistence-off.yaml'),
      'utf8',
    );
    mkdirSync(join(dir, 'k8s'), { recursive: true });
    const file = join(dir, 'k8s', 'code-server.yaml');
    writeFileSync(file, fixture);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const ds = await diagnosticsOf(doc.uri, 'the emptyDir warning', (d) => d.some((x) => x.code === 'empty-dir-over-data'));
    const w = ds.find((d) => d.code === 'empty-dir-over-data')!;
    assert.equal(w.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(w.range.start.line + 1, 48, 'on the volumeMount line');
    const fixes = await quickFixes(doc.uri, w.range);
    assert.ok(fixes.length > 0 && /PersistentVolumeClaim/.test(fixes[0]!.title), fixes.map((f) => f.title).join(' | '));
    assert.ok(await vscode.workspace.applyEdit(fixes[0]!.edit!), 'the quick fix edit was not applied');
    assert.match(doc.getText(), /kind: PersistentVolumeClaim/);
    await diagnosticsOf(doc.uri, 'the emptyDir warning to go away', (d) => !d.some((x) => x.code === 'empty-dir-over-data'));
  });
});
