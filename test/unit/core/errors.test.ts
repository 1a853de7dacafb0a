/**
 * One error vocabulary across the bundle boundary (issue 14, improvement 2): the guards test `kind`, so they
 * answer for an error made by another bundle's copy of a class (the editor loads the backend as dist/backend.js),
 * and the CLI decides every exit code from the kind, in one table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ArchiveRefusedError,
  BackupAbortedError,
  BackupFailedError,
  BackupInputError,
  isArchiveRefusal,
  isBackupError,
} from '../../../src/backup/errors';
import { isRestoreRefusal, needsForce, notARescueArchive } from '../../../src/backup/restore-refusal';
import { assertPersistentDestination } from '../../../src/backup/destination';
import { BrowseError, browseErrorCode } from '../../../src/browse/errors';
import { cliErrorKind, EXIT_CODES, reportError } from '../../../src/cli/errors';
import { UsageError, USAGE } from '../../../src/cli/usage';
import {
  errorKind,
  InputError,
  isAborted,
  isAbortError,
  isFailure,
  isInputError,
  isRefusedDestination,
  isUnavailable,
  PersistenceLensError,
  type ErrorKind,
} from '../../../src/core/errors';
import { MoveError } from '../../../src/move/errors';
import { DockerUnavailableError } from '../../../src/sources/docker/client';
import { ScanInputError } from '../../../src/scan';
import { VolumeInUseError } from '../../../src/sources/docker/volumes';
import { FixRefusal } from '../../../src/fixes/types';
import { bundleForAnyUser } from '../helpers/bundle';
import { capture } from '../helpers/cli';

const SRC = resolve(__dirname, '../../../src');
const work = mkdtempSync(join(tmpdir(), 'pl-errors-'));
after(() => rmSync(work, { recursive: true, force: true }));

const MIXED = JSON.stringify({ mountinfoFile: resolve(__dirname, '../../fixtures/mountinfo-docker-mixed.txt'), insideContainer: true });
const ENDPOINT = { description: 'unix:///nowhere.sock', modemOptions: { socketPath: '/nowhere.sock' } } as unknown as ConstructorParameters<
  typeof DockerUnavailableError
>[0];

type Makers = Record<string, () => Error>;
let bundled: Makers | undefined;

/** The backend's error classes built into a bundle of their own, as dist/backend.js holds its copies. */
function otherBundle(): Makers {
  if (bundled) return bundled;
  const entry = join(work, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { BackupAbortedError, BackupFailedError, BackupInputError } from ${JSON.stringify(join(SRC, 'backup/errors'))};`,
      `import { assertPersistentDestination } from ${JSON.stringify(join(SRC, 'backup/destination'))};`,
      `import { needsForce } from ${JSON.stringify(join(SRC, 'backup/restore-refusal'))};`,
      `import { BrowseError } from ${JSON.stringify(join(SRC, 'browse/errors'))};`,
      `import { InputError } from ${JSON.stringify(join(SRC, 'core/errors'))};`,
      `import { DockerUnavailableError } from ${JSON.stringify(join(SRC, 'sources/docker/client'))};`,
      'export const make = {',
      '  input: () => new BackupInputError(\'no volume "v"\'),',
      "  located: () => new InputError('services must be a mapping', { file: '/p/compose.yaml', line: 3, column: 1 }),",
      "  failed: () => new BackupFailedError('the Docker Engine stopped answering'),",
      "  aborted: () => new BackupAbortedError('backing up x was cancelled'),",
      `  unavailable: () => new DockerUnavailableError(${JSON.stringify(ENDPOINT)}, 'no socket (ENOENT).'),`,
      "  needsForce: () => needsForce('/srv/x', { kind: 'entries', count: 2 }),",
      `  destination: () => { try { assertPersistentDestination('/root/backups', ${MIXED}); } catch (e) { return e as Error; } throw new Error('not refused'); },`,
      "  browse: () => new BrowseError('not-found', '/x does not exist'),",
      '};',
    ].join('\n'),
  );
  bundled = (require(bundleForAnyUser(entry, work, 'backend-copy.cjs')) as { make: Makers }).make;
  return bundled;
}

describe('the error vocabulary: kinds, not classes', () => {
  it('every class of the project has its kind, and keeps its name and its message', () => {
    const cases: Array<[Error, ErrorKind, string, string]> = [
      [
        new InputError('services must be a mapping', { file: 'c.yaml', line: 2, column: 3 }),
        'input',
        'InputError',
        'c.yaml:2:3: services must be a mapping',
      ],
      [new FixRefusal('no services', { file: 'c.yaml', line: 1, column: 1 }), 'input', 'FixRefusal', 'c.yaml:1:1: no services'],
      [new MoveError('copying failed', { cause: new Error('x') }), 'input', 'MoveError', 'copying failed'],
      [new ScanInputError('no such file'), 'input', 'ScanInputError', 'no such file'],
      [
        new VolumeInUseError('v', [{ container: 'c', path: '/d' }] as never),
        'input',
        'VolumeInUseError',
        new VolumeInUseError('v', [{ container: 'c', path: '/d' }] as never).message,
      ],
      [new UsageError('--x is not an option'), 'usage', 'UsageError', '--x is not an option'],
      [new BackupInputError('no volume "v"'), 'input', 'BackupInputError', 'no volume "v"'],
      [new ArchiveRefusedError('an entry escapes', 'a'), 'archive-refused', 'ArchiveRefusedError', 'an entry escapes'],
      [new ArchiveRefusedError('a link', 'a', 'link-in-target'), 'link-in-target', 'ArchiveRefusedError', 'a link'],
      [
        notARescueArchive('/a.tar.gz', undefined),
        'not-a-rescue-archive',
        'RestoreRefusedError',
        '/a.tar.gz has no manifest, so it is not known to be a rescue archive: restore it into a volume, a folder of a container or a local folder',
      ],
      [new BackupFailedError('it failed'), 'failed', 'BackupFailedError', 'it failed'],
      [new BackupAbortedError('x was cancelled'), 'aborted', 'AbortError', 'x was cancelled'],
      [
        new DockerUnavailableError(ENDPOINT, 'no socket (ENOENT).'),
        'unavailable',
        'DockerUnavailableError',
        'Cannot reach the Docker daemon at unix:///nowhere.sock: no socket (ENOENT).',
      ],
      [new BrowseError('refused', 'a link out'), 'input', 'BrowseError', 'a link out'],
      [new BrowseError('unavailable', 'browsing x has ended'), 'failed', 'BrowseError', 'browsing x has ended'],
    ];
    for (const [e, kind, name, message] of cases) {
      assert.ok(e instanceof PersistenceLensError, name);
      assert.equal(errorKind(e), kind, name);
      assert.equal(e.name, name);
      assert.equal(e.message, message, name);
    }
    assert.equal(new BackupAbortedError().code, 'ABORT_ERR', "still what code that knows only the platform's cancellations looks for");
  });

  it('keeps the reason apart from the location, and from what a message says on top of it', () => {
    const e = new InputError('services must be a mapping', { file: '/p/compose.yaml', line: 3, column: 1 });
    assert.equal(e.reason, 'services must be a mapping');
    assert.deepEqual(e.location, { file: '/p/compose.yaml', line: 3, column: 1 });
    assert.equal(new InputError('no file').location, undefined);
    const refusal = needsForce('/srv/x', { kind: 'entries', count: 2 });
    assert.equal(refusal.reason, '/srv/x is not empty (2 entries): restoring would overwrite it');
    assert.equal(refusal.message, `${refusal.reason}; nothing was restored`);
    const down = new DockerUnavailableError(ENDPOINT, 'no socket (ENOENT).', { code: 'ENOENT', cause: 'c' });
    assert.equal(down.reason, 'no socket (ENOENT).');
    assert.equal(down.code, 'ENOENT');
    assert.equal(down.cause, 'c');
  });

  it('the guards answer for errors of another bundle: its own classes, the same kinds', () => {
    const make = otherBundle();
    const input = make.input();
    assert.ok(
      !(input instanceof BackupInputError) && !(input instanceof PersistenceLensError),
      'a class of the other bundle is not this one',
    );
    assert.ok(isInputError(input) && isBackupError(input) && !isFailure(input) && !isUnavailable(input));
    const located = make.located() as InputError;
    assert.ok(isInputError(located));
    assert.equal(located.reason, 'services must be a mapping');
    assert.equal(located.location?.line, 3);
    assert.ok(isFailure(make.failed()) && isBackupError(make.failed()));
    assert.ok(isAborted(make.aborted()) && isAbortError(make.aborted()));
    assert.ok(isUnavailable(make.unavailable()) && !isInputError(make.unavailable()) && !isBackupError(make.unavailable()));
    const refusal = make.needsForce();
    assert.ok(isRestoreRefusal(refusal) && isInputError(refusal) && !isArchiveRefusal(refusal));
    assert.equal(refusal.kind, 'needs-force');
    const destination = make.destination();
    assert.ok(isRefusedDestination(destination) && isInputError(destination), destination.message);
    assert.match(destination.message, /^refusing to write backups to \/root\/backups/);
    assert.equal(browseErrorCode(make.browse()), 'not-found');
  });

  it('and for anything that carries a kind of the vocabulary: a plain Error, a plain object', () => {
    const plain = Object.assign(new Error('Cannot reach the Docker daemon'), { kind: 'unavailable' });
    assert.ok(isUnavailable(plain));
    assert.ok(isInputError({ kind: 'input', message: 'x' }));
    assert.ok(isRefusedDestination({ kind: 'refused-destination' }));
    assert.ok(isFailure({ kind: 'failed' }) && isAborted({ kind: 'aborted' }));
    assert.equal(browseErrorCode({ kind: 'input', code: 'is-directory' }), 'is-directory');
    for (const other of [undefined, null, 'input', 3, {}, new Error('x'), { kind: 'Input' }, { kind: 'not-a-kind' }, { kind: 1 }]) {
      assert.equal(errorKind(other), undefined, String(other));
      assert.ok(!isInputError(other) && !isUnavailable(other) && !isFailure(other) && !isAborted(other));
    }
    // a system error's code or a Docker error's statusCode is no browse code
    assert.equal(browseErrorCode(Object.assign(new Error('x'), { code: 'ENOENT' })), undefined);
    assert.equal(browseErrorCode(Object.assign(new Error('x'), { code: 'not-found' })), undefined, 'a code without a kind is not ours');
  });

  it("a cancel is one whoever made it: ours, the platform's DOMException, Node's AbortError", () => {
    assert.ok(isAbortError(new BackupAbortedError()));
    assert.ok(isAbortError(new DOMException('This operation was aborted', 'AbortError')));
    const ac = new AbortController();
    ac.abort();
    assert.ok(isAbortError(ac.signal.reason));
    assert.ok(isAbortError(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })));
    assert.ok(!isAborted(new DOMException('x', 'AbortError')), 'isAborted is ours only');
    assert.ok(!isAbortError(new BackupFailedError('x')));
  });

  it('the destination refusal is its own kind, so the editor offers the backup folder setting without reading the sentence', () => {
    assert.throws(
      () => assertPersistentDestination('/root/backups', JSON.parse(MIXED)),
      (e: unknown) => isRefusedDestination(e) && isInputError(e) && e instanceof BackupInputError,
    );
  });
});

describe('the CLI: one table from kind to exit code', () => {
  it('2 for usage, input, refusals and an engine that does not answer; 1 for a failed or cancelled operation', () => {
    const one: string[] = ['failed', 'aborted'];
    const two: string[] = [
      'usage',
      'input',
      'refused-destination',
      'needs-force',
      'not-a-rescue-archive',
      'link-in-target',
      'archive-refused',
      'unavailable',
      'unexpected',
    ];
    assert.deepEqual(Object.keys(EXIT_CODES).sort(), [...one, ...two].sort(), 'every kind has its row');
    for (const [kind, code] of Object.entries(EXIT_CODES)) assert.equal(code, one.includes(kind) ? 1 : 2, kind);
  });

  it('reports each kind with its code and the sentence, whichever bundle made the error', () => {
    const make = otherBundle();
    const cases: Array<[unknown, number, RegExp]> = [
      [new UsageError('--x is not an option'), 2, /^persistence-lens: --x is not an option\n\nUsage:/],
      [
        Object.assign(new TypeError("Unknown option '--x'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }),
        2,
        /^persistence-lens: Unknown option '--x'\n\nUsage:/,
      ],
      [make.input(), 2, /^persistence-lens: no volume "v"\n$/],
      [make.located(), 2, /^persistence-lens: \/p\/compose.yaml:3:1: services must be a mapping\n$/],
      [make.unavailable(), 2, /^persistence-lens: Cannot reach the Docker daemon at unix:\/\/\/nowhere.sock: no socket \(ENOENT\)\.\n$/],
      [make.destination(), 2, /^persistence-lens: refusing to write backups to \/root\/backups: it is in the container's writable layer/],
      [
        make.needsForce(),
        2,
        /^persistence-lens: \/srv\/x is not empty \(2 entries\): restoring would overwrite it\. Pass --force to restore anyway \(what is there is backed up first\); nothing was restored\n$/,
      ],
      [make.failed(), 1, /^persistence-lens: the Docker Engine stopped answering\n$/],
      [make.aborted(), 1, /^persistence-lens: backing up x was cancelled\n$/],
      [new DOMException('This operation was aborted', 'AbortError'), 1, /^persistence-lens: This operation was aborted\n$/],
    ];
    for (const [err, code, text] of cases) {
      for (const unclassified of ['unexpected', 'failed'] as const) {
        const c = capture();
        assert.equal(reportError(c.io, err, unclassified), code, `${String(err)} (${unclassified})`);
        assert.match(c.err.join(''), text);
        assert.deepEqual(c.out, []);
      }
    }
    const usage = capture();
    reportError(usage.io, new UsageError('x'));
    assert.ok(usage.err.join('').endsWith(USAGE));
  });

  it('an error none of ours is a bug (2) in general, and the operation failing (1) in backup, restore and rescue', () => {
    const bug = new TypeError('undefined is not a function');
    const general = capture();
    assert.equal(reportError(general.io, bug), 2);
    assert.match(general.err.join(''), /^persistence-lens: unexpected error: TypeError: undefined is not a function\n {4}at /);
    const archive = capture();
    assert.equal(reportError(archive.io, bug, 'failed'), 1);
    assert.match(archive.err.join(''), /^persistence-lens: TypeError: undefined is not a function\n {4}at /);
    assert.equal(cliErrorKind(bug), undefined);
    assert.equal(cliErrorKind('a string'), undefined);
    const thrown = capture();
    assert.equal(reportError(thrown.io, 'a string'), 2);
    assert.equal(thrown.err.join(''), 'persistence-lens: unexpected error: a string\n');
  });
});
