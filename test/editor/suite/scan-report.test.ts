import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, recordMetric, runnerEnv, waitFor } from './harness';

const CHANNEL = 'Persistence Lens';

/**
 * The text of the 'Persistence Lens' output channel, read back the way a user sees it: a shown output
 * channel is a text document with the 'output' scheme, synced to the extension host. Waits until the
 * text stops changing (the channel's writes reach the document in batches).
 */
async function outputChannelText(): Promise<string> {
  let last = '';
  let stableSince = 0;
  return waitFor(`the '${CHANNEL}' output channel's document`, 20_000, () => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && decodeURIComponent(d.uri.toString()).includes(CHANNEL));
    const text = doc?.getText() ?? '';
    if (text !== last) {
      last = text;
      stableSince = Date.now();
      return undefined;
    }
    return text.trim() !== '' && Date.now() - stableSince >= 400 ? text : undefined;
  });
}

/** The report's blocks, one per target, by their header line ("compose service app", "container NAME"). */
function blocks(report: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of report.split(/\n\n+/)) {
    const lines = block.split('\n');
    const header = lines[0]!.split(/\s{2,}/)[0]!;
    out.set(header, lines.slice(1));
  }
  return out;
}

suite('Show Scan Report, in a window on a folder with a compose file', () => {
  let report = '';

  suiteSetup(async function () {
    this.timeout(60_000);
    const started = performance.now();
    await vscode.commands.executeCommand('persistenceLens.showScanReport');
    recordMetric('Show Scan Report command (ms)', performance.now() - started);
    report = await outputChannelText();
  });

  test('the window is on the runner\'s workspace folder, with its compose.yaml', () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    assert.equal(folder.uri.scheme, 'file');
    assert.equal(realpathSync(folder.uri.fsPath), realpathSync(runnerEnv('PL_EDITOR_WORKSPACE')));
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true, 'running the command did not leave the extension active');
  });

  test('the output channel names the compose service\'s anonymous volume as at risk', () => {
    const composeFile = join(realpathSync(runnerEnv('PL_EDITOR_WORKSPACE')), 'compose.yaml');
    const service = blocks(report).get('compose service app');
    assert.ok(service, `no "compose service app" block in the report:\n${report}`);
    assert.ok(service.some((l) => l.includes(`declared in ${composeFile}:`)), `the block does not name ${composeFile}:\n${service.join('\n')}`);
    const line = service.find((l) => l.trim().split(/\s+/)[1] === '/var/lib/app-data');
    assert.ok(line, `/var/lib/app-data is not listed:\n${service.join('\n')}`);
    const [mark, , status] = line.trim().split(/\s+/);
    assert.equal(mark, '✗', `/var/lib/app-data is not marked at risk: ${line}`);
    assert.equal(status, 'anonymous', 'the human output names the storage briefly ("anonymous", then the 12-hex id when there is one)');
    assert.match(line, /lost on .*recreate/);
  });

  test('the Docker Engine is reached through DOCKER_HOST: the runner\'s labelled container is a target', () => {
    assert.equal(process.env.DOCKER_HOST, runnerEnv('PL_EDITOR_DOCKER_HOST'), 'DOCKER_HOST did not reach the extension host');
    const name = runnerEnv('PL_EDITOR_CONTAINER');
    const id = runnerEnv('PL_EDITOR_CONTAINER_ID');
    const containers = [...blocks(report).keys()].filter((h) => h.startsWith('container '));
    assert.ok(containers.length >= 1, `the report has no container target:\n${report}`);
    const block = report.split(/\n\n+/).find((b) => b.startsWith(`container ${name} `));
    assert.ok(block, `container ${name} is not in the report; containers: ${containers.join(', ')}`);
    const header = block.split('\n')[0]!;
    assert.ok(header.includes(id.slice(0, 12)), `wrong id in: ${header}`);
    assert.ok(header.includes('image persistence-test:latest'), header);
    assert.ok(header.includes('[created]'), header);
    // The container's own anonymous volume (docker create -v /srv/state) is at risk on recreate.
    const state = block.split('\n').find((l) => l.trim().split(/\s+/)[1] === '/srv/state');
    assert.ok(state?.trim().startsWith('✗') && / anonymous [0-9a-f]{12} /.test(state), `/srv/state: ${state}`);
  });
});
