import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, recordMetric, runnerEnv } from './harness';

/** VS Code's own performance marks in the extension host (`vs/base/common/performance`). */
function extensionHostMarks(): Map<string, number> {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks;
  return new Map((perf?.getMarks() ?? []).map((m) => [m.name, m.startTime]));
}

suite('activation', () => {
  test('the extension under development is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among the extension host's extensions`);
    assert.equal(realpathSync(ext.extensionUri.fsPath), realpathSync(runnerEnv('PL_EDITOR_EXTENSION_PATH')));
    assert.equal(ext.packageJSON.main, './dist/extension.js');
    // The status bar needs the extension once startup has finished; until then nothing may load it.
    assert.ok((ext.packageJSON.activationEvents as string[]).includes('onStartupFinished'));

    const before = performance.now();
    await ext.activate();
    const activationMs = performance.now() - before;
    assert.equal(ext.isActive, true);
    recordMetric('activation: ext.activate() from the test, cold (ms)', activationMs);

    // The extension host marks loading the extension's module and calling its activate().
    const marks = extensionHostMarks();
    const at = (what: string) => marks.get(`code/extHost/${what}/${EXTENSION_ID}`);
    const [willLoad, didLoad, willActivate, didActivate] = [
      'willLoadExtensionCode',
      'didLoadExtensionCode',
      'willActivateExtension',
      'didActivateExtension',
    ].map(at);
    if (willLoad !== undefined && didLoad !== undefined)
      recordMetric('module load: require(dist/extension.js), per the extension host (ms)', didLoad - willLoad);
    else recordMetric('module load: require(dist/extension.js), per the extension host (ms)', 'not reported by this extension host');
    if (willActivate !== undefined && didActivate !== undefined)
      recordMetric('activate() itself, per the extension host (ms)', didActivate - willActivate);
    // Generous: a regression that pulls the engine (dockerode, ssh2) into activation shows up as seconds.
    assert.ok(activationMs < 5_000, `activation took ${Math.round(activationMs)} ms`);
  });

  test('the Show Scan Report command is contributed and registered', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes?.commands ?? []) as { command: string }[];
    assert.ok(
      contributed.some((c) => c.command === 'persistenceLens.showScanReport'),
      'package.json does not contribute the command',
    );
    const registered = await vscode.commands.getCommands(true);
    assert.ok(registered.includes('persistenceLens.showScanReport'), 'activate() did not register the command');
  });
});
