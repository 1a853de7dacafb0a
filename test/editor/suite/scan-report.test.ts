import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, recordMetric, runnerEnv } from './harness';

/**
 * The report's sections, one per target, by their heading ("compose service app", "container NAME"): the lines
 * under it, up to the next heading.
 */
function blocks(report: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const section of report.split(/^## /m).slice(1)) {
    const lines = section.split('\n');
    out.set(lines[0]!.trim(), lines.slice(1));
  }
  return out;
}

/** The table row of `path` in a section's lines, as its cells. */
function row(lines: string[], path: string): string[] | undefined {
  return lines
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .find((cells) => cells[1] === `\`${path}\``);
}

suite('Show Scan Report, in a window on a folder with a compose file', () => {
  let report = '';
  let document: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(60_000);
    const started = performance.now();
    const doc = (await vscode.commands.executeCommand('persistenceLens.showScanReport')) as vscode.TextDocument | undefined;
    assert.ok(doc, 'the command returned no document');
    recordMetric('Show Scan Report command (ms)', performance.now() - started);
    document = doc;
    report = doc.getText();
  });

  test("the window is on the runner's workspace folder, with its compose.yaml", () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    assert.equal(folder.uri.scheme, 'file');
    assert.equal(realpathSync(folder.uri.fsPath), realpathSync(runnerEnv('PL_EDITOR_WORKSPACE')));
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true, 'running the command did not leave the extension active');
  });

  test('the report is a read-only Markdown document, not an untitled buffer', () => {
    assert.equal(document.uri.scheme, 'persistence-lens-details');
    assert.equal(document.languageId, 'markdown');
    assert.equal(document.isUntitled, false);
    assert.equal(document.isDirty, false);
    assert.match(report, /^# Persistence Lens: scan report\n/);
    assert.match(report, /target.*(at risk|nothing at risk)/);
  });

  test("the compose service's section names its anonymous volume as at risk, in a table", () => {
    const composeFile = join(realpathSync(runnerEnv('PL_EDITOR_WORKSPACE')), 'compose.yaml');
    const service = blocks(report).get('compose service app');
    assert.ok(service, `no "compose service app" section in the report:\n${report}`);
    assert.ok(
      service.some((l) => l.includes(`Declared in \`${composeFile}:`)),
      `the section does not name ${composeFile}:\n${service.join('\n')}`,
    );
    assert.ok(
      service.some((l) => /^\|:-:\|---\|/.test(l)),
      'a Markdown table',
    );
    const cells = row(service, '/var/lib/app-data');
    assert.ok(cells, `/var/lib/app-data is not listed:\n${service.join('\n')}`);
    assert.match(cells[0]!, /^✗/, `/var/lib/app-data is not marked at risk: ${cells.join(' | ')}`);
    assert.equal(cells[2], 'anonymous volume', 'the storage in words (and the 12-hex id when there is one)');
    assert.match(cells[5]!, /lost on .*recreate/);
  });

  test("the Docker Engine is reached through DOCKER_HOST: the runner's labelled container is a target", () => {
    assert.equal(process.env.DOCKER_HOST, runnerEnv('PL_EDITOR_DOCKER_HOST'), 'DOCKER_HOST did not reach the extension host');
    const name = runnerEnv('PL_EDITOR_CONTAINER');
    const id = runnerEnv('PL_EDITOR_CONTAINER_ID');
    const containers = [...blocks(report).keys()].filter((h) => h.startsWith('container '));
    assert.ok(containers.length >= 1, `the report has no container target:\n${report}`);
    const block = blocks(report).get(`container ${name}`);
    assert.ok(block, `container ${name} is not in the report; containers: ${containers.join(', ')}`);
    const facts = block.find((l) => l.startsWith('id '))!;
    assert.ok(facts?.includes(id.slice(0, 12)), `wrong id in: ${facts}`);
    assert.ok(facts.includes('image `persistence-test:latest`'), facts);
    assert.ok(facts.includes('created'), facts);
    // The container's own anonymous volume (docker create -v /srv/state) is at risk on recreate.
    const state = row(block, '/srv/state');
    assert.ok(state?.[0]?.startsWith('✗') && /^anonymous volume `[0-9a-f]{12}`$/.test(state[2]!), `/srv/state: ${state?.join(' | ')}`);
  });
});
