import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MoveOffer } from '../../../../src/move/persist-flow';
import { singleFileFix } from '../../../../src/fixes/single-files';
import {
  afterMoveMessage,
  canMove,
  defaultBindFolder,
  movedSentence,
  persistChoices,
  progressMessage,
  type PersistSituation,
} from '../../../../src/vscode/paths/persist-policy';

const offer = (o: Partial<MoveOffer> = {}): MoveOffer => ({
  container: { id: 'c1', name: 'demo-app-1', running: true },
  source: 'writable-layer',
  holdsData: true,
  self: false,
  recreate: 'compose',
  ...o,
});
const situation = (s: Partial<PersistSituation> = {}): PersistSituation => ({
  path: '/root/.ssh',
  file: 'compose.yaml',
  offer: offer(),
  ...s,
});
const modes = (s: PersistSituation) => persistChoices(s).map((c) => c.mode);

describe('Persist Path…: what is offered', () => {
  it('a single file its tool moves by a variable: only "Move into <folder> and set <VAR>", never a host folder', () => {
    const choices = persistChoices(situation({ path: '/root/.bash_history', singleFile: singleFileFix('/root/.bash_history')! }));
    assert.deepEqual(
      choices.map((c) => [c.mode, c.label]),
      [['volume', '$(arrow-right) Move into /commandhistory and set HISTFILE']],
    );
    assert.match(
      choices[0]!.detail,
      /single file.*HISTFILE=\/commandhistory\/\.bash_history.*copy it to \/commandhistory\/\.bash_history after the recreate/,
    );
  });

  it('a single file no variable moves: "Bind a host file…" with the advice', () => {
    const choices = persistChoices(situation({ path: '/root/.git-credentials', singleFile: singleFileFix('/root/.git-credentials')! }));
    assert.deepEqual(
      choices.map((c) => [c.mode, c.label]),
      [['bind', '$(file) Bind a host file…']],
    );
    assert.match(choices[0]!.detail, /create it on the host first/);
  });

  it('a path holding data in a container that runs from the file: Move current data first, then only editing, then a bind', () => {
    const choices = persistChoices(situation());
    assert.deepEqual(
      choices.map((c) => c.mode),
      ['move', 'volume', 'bind'],
    );
    assert.equal(choices[0]!.label, '$(arrow-right) Move current data (recommended)');
    assert.match(
      choices[0]!.detail,
      /demo-app-1 is stopped, \/root\/\.ssh is copied into a new volume and verified, compose\.yaml is edited, then the container is recreated/,
    );
    assert.equal(choices[1]!.label, '$(edit) Only edit the file');
    assert.match(choices[1]!.detail, /stays behind: the recreated container starts with it empty/);
    assert.match(choices[2]!.detail, /stays behind/);
  });

  it('nothing to move: the named volume and the bind, as before, with no warning about data', () => {
    for (const s of [
      situation({ offer: undefined }),
      situation({ offer: offer({ holdsData: false }) }),
      situation({ offer: offer({ source: 'named-volume' }) }),
    ]) {
      const choices = persistChoices(s);
      assert.deepEqual(
        choices.map((c) => c.mode),
        ['volume', 'bind'],
      );
      assert.equal(choices[0]!.label, '$(database) Named volume');
      assert.ok(!choices.some((c) => /stays behind/.test(c.detail)));
    }
  });

  it('a database gets no bind choice, with data or without', () => {
    assert.deepEqual(modes(situation({ category: 'database' })), ['move', 'volume']);
    assert.deepEqual(modes(situation({ category: 'database', offer: undefined })), ['volume']);
    // from a quick fix, which knows no category: the engine planned no host folder, so none is offered
    assert.deepEqual(modes(situation({ noBind: true })), ['move', 'volume']);
  });

  it('the scan knowing files in the writable layer is enough; a stopped tmpfs has nothing left; a bind is kept already', () => {
    assert.equal(canMove(situation({ offer: offer({ holdsData: false }), holdsDataByScan: true })), true);
    assert.equal(canMove(situation({ offer: offer({ source: 'anonymous-volume', holdsData: false }), holdsDataByScan: true })), false);
    assert.equal(canMove(situation({ offer: offer({ source: 'tmpfs', container: { id: 'c', name: 'x', running: false } }) })), false);
    assert.equal(canMove(situation({ offer: offer({ source: 'tmpfs' }) })), true);
    assert.equal(canMove(situation({ offer: offer({ source: 'bind' }) })), false);
  });

  it('this container: the move says it is copied live and what is not included', () => {
    const [move] = persistChoices(situation({ offer: offer({ self: true }) }));
    assert.match(move!.detail, /container this editor runs in, so it keeps running/);
    assert.match(move!.detail, /written to \/root\/\.ssh after the copy is not included \(Copy Again/);
  });

  it('each way of recreating is named', () => {
    assert.match(persistChoices(situation({ offer: offer({ recreate: 'devcontainer' }) }))[0]!.detail, /dev container is rebuilt/);
    assert.match(persistChoices(situation({ offer: offer({ recreate: 'container' }) }))[0]!.detail, /same settings plus the volume/);
  });
});

describe('Persist Path…: what is said', () => {
  const move = {
    files: 3,
    bytes: 1_234_567,
    volume: 'demo_ssh',
    warnings: [],
    leftStopped: true,
    container: { id: 'c1', name: 'demo-app-1' },
    source: { kind: 'writable-layer', nested: [], existed: true, description: '' },
  } as never;

  it('the verified move, in the words of the CLI', () => {
    assert.equal(
      movedSentence(move, 'in the recreated container demo-app-1'),
      'Moved 3 files (1.23 MB) into volume demo_ssh, verified in the recreated container demo-app-1',
    );
    assert.equal(
      movedSentence({ ...(move as object), files: 1, bytes: 312 } as never, 'in the volume'),
      'Moved 1 file (312 B) into volume demo_ssh, verified in the volume',
    );
  });

  it('after a move: Recreate now; after a live copy of this container: Copy Again and what is not in the volume', () => {
    const other = afterMoveMessage({
      move,
      offer: offer(),
      file: 'compose.yaml',
      path: '/root/.ssh',
      instructions: 'docker-compose up -d',
    });
    assert.deepEqual(other.actions, ['Recreate now']);
    assert.match(
      other.text,
      /^Moved 3 files \(1\.23 MB\) into volume demo_ssh, verified in the volume; compose\.yaml declares it\. demo-app-1 was stopped/,
    );
    const self = afterMoveMessage({
      move,
      offer: offer({ self: true }),
      file: 'compose.yaml',
      path: '/root/.ssh',
      instructions: 'docker-compose up -d',
    });
    assert.deepEqual(self.actions, ['Copy Again']);
    assert.equal(self.level, 'warning');
    assert.match(self.text, /What is written to \/root\/\.ssh from now on is NOT in the volume/);
  });

  it('progress names the phase and, while copying, the counts', () => {
    assert.equal(progressMessage({ phase: 'copying', files: 12, bytes: 3_400_000, elapsedMs: 10 }), 'Copying: 12 files, 3.40 MB');
    assert.equal(progressMessage({ phase: 'stopping', files: 0, bytes: 0, elapsedMs: 10 }), 'Stopping the container');
  });

  it('a bind folder is proposed beside the file, without leading dots', () => {
    assert.equal(defaultBindFolder('/root/.ssh'), './data/ssh');
    assert.equal(defaultBindFolder('/'), './data/data');
  });
});
