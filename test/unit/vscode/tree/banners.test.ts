import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanResult, TargetReport } from '../../../../src/core/types';
import { COMMAND } from '../../../../src/vscode/ids';
import { scanBanners } from '../../../../src/vscode/tree/banners';

const target = { name: 'web' } as TargetReport;
const scan = (over: Partial<ScanResult>): ScanResult => ({ targets: [], warnings: [], ...over });
const unreachable = {
  asked: true,
  reachable: false,
  endpoint: 'unix:///var/run/docker.sock',
  error: 'connect ENOENT /var/run/docker.sock',
};

describe('the Paths view banners, decided from one scan', () => {
  it('an engine that does not answer: a warning above the targets that opens the Docker host setting', () => {
    const { messages, state } = scanBanners(scan({ targets: [target], docker: unreachable }), { trusted: true });
    assert.equal(state, 'ready');
    assert.deepEqual(messages, [
      {
        kind: 'message',
        text: 'No Docker Engine answered',
        detail: unreachable.error,
        severity: 'warning',
        command: COMMAND.openDockerSetting,
      },
    ]);
  });

  it('names the socket tried when the engine gave no reason', () => {
    const { messages } = scanBanners(scan({ targets: [target], docker: { asked: true, reachable: false } }), { trusted: true });
    assert.equal(messages[0]?.detail, 'tried the default socket');
  });

  it('an empty view says it through its welcome text (the state), not a banner', () => {
    assert.deepEqual(scanBanners(scan({ docker: unreachable }), { trusted: true }), { messages: [], state: 'dockerUnreachable' });
    assert.deepEqual(scanBanners(scan({ docker: { asked: true, reachable: true } }), { trusted: true }), { messages: [], state: 'empty' });
    assert.deepEqual(scanBanners(scan({ docker: { asked: false, reachable: false } }), { trusted: false }), {
      messages: [],
      state: 'empty',
    });
  });

  it('Restricted Mode first, then the engine, then what went wrong while scanning', () => {
    const problems = [{ text: 'Could not read the configuration files', detail: 'compose.yaml:3:1: bad indentation' }];
    const { messages, state } = scanBanners(scan({ targets: [target], docker: unreachable }), { trusted: false, problems });
    assert.equal(state, 'ready');
    assert.deepEqual(
      messages.map((m) => [m.text, m.severity, m.command]),
      [
        ['Restricted Mode: only the mount table is read', 'info', 'workbench.trust.manage'],
        ['No Docker Engine answered', 'warning', COMMAND.openDockerSetting],
        ['Could not read the configuration files', 'error', undefined],
      ],
    );
  });

  it('a failed scan with nothing to show still shows what failed (the view is not "empty")', () => {
    const { messages, state } = scanBanners(scan({}), { trusted: true, problems: [{ text: 'Scan failed', detail: 'boom' }] });
    assert.equal(state, 'ready');
    assert.deepEqual(messages, [{ kind: 'message', text: 'Scan failed', detail: 'boom', severity: 'error' }]);
  });
});
