import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  checkMovedPath,
  digestSummary,
  localTreeDigest,
  MOVE_MANIFEST,
  parseMoveManifest,
  type MoveManifest,
} from '../../../../src/move/own-container-manifest';

/**
 * What the editor does when it starts in a recreated container: the manifest a live move of this container left
 * at the path, the path compared with it, the manifest removed — only one this tool wrote.
 */
describe('the moved path check at startup', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const tree = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'pl-moved-'));
    dirs.push(d);
    mkdirSync(join(d, 'keys/empty'), { recursive: true });
    writeFileSync(join(d, 'keys/id_ed25519'), 'secret\n', { mode: 0o600 });
    linkSync(join(d, 'keys/id_ed25519'), join(d, 'keys/hard'));
    symlinkSync('keys/id_ed25519', join(d, 'current'));
    return d;
  };
  const manifestOf = async (d: string): Promise<MoveManifest> => ({
    tool: 'persistence-lens',
    kind: 'live-move',
    version: 1,
    path: d,
    volume: 'v',
    container: 'c',
    copiedAt: new Date().toISOString(),
    ...digestSummary(await localTreeDigest(d)),
  });

  it('the same tree: verified, the manifest removed (and left out of the digest)', async () => {
    const d = tree();
    const m = await manifestOf(d);
    assert.equal(m.files, 2);
    writeFileSync(join(d, MOVE_MANIFEST), JSON.stringify(m));
    const r = await checkMovedPath(d);
    assert.equal(r?.status, 'verified');
    assert.equal(r?.removed, true);
    assert.equal(existsSync(join(d, MOVE_MANIFEST)), false);
    assert.equal(await checkMovedPath(d), undefined, 'reported once: the manifest is gone');
  });

  it('a changed file: differs, with what was found', async () => {
    const d = tree();
    writeFileSync(join(d, MOVE_MANIFEST), JSON.stringify(await manifestOf(d)));
    writeFileSync(join(d, 'keys/new'), 'x');
    const r = await checkMovedPath(d);
    assert.equal(r?.status, 'differs');
    assert.equal(r?.status === 'differs' && r.found.files, 3);
  });

  it("someone else's file of that name, or one for another path, is left alone", async () => {
    const d = tree();
    writeFileSync(join(d, MOVE_MANIFEST), '{"tool":"other"}');
    assert.equal(await checkMovedPath(d), undefined);
    assert.equal(readFileSync(join(d, MOVE_MANIFEST), 'utf8'), '{"tool":"other"}');
    writeFileSync(join(d, MOVE_MANIFEST), JSON.stringify({ ...(await manifestOf(d)), path: '/elsewhere' }));
    assert.equal(await checkMovedPath(d), undefined);
    assert.ok(existsSync(join(d, MOVE_MANIFEST)));
    assert.equal(parseMoveManifest('not json'), undefined);
  });
});

describe('the editor looks for the manifest the engine writes', () => {
  it('by the same name (the extension bundle does not load the engine to know it)', async () => {
    const { MOVE_MANIFEST_NAME } = await import('../../../../src/vscode/paths/moved-path-check').catch(() => ({
      MOVE_MANIFEST_NAME: undefined,
    }));
    // moved-path-check imports vscode; read its constant from the source text when vscode cannot load here
    const name =
      MOVE_MANIFEST_NAME ??
      /MOVE_MANIFEST_NAME = '([^']+)'/.exec(
        readFileSync(new URL('../../../../src/vscode/paths/moved-path-check.ts', import.meta.url), 'utf8'),
      )?.[1];
    assert.equal(name, MOVE_MANIFEST);
  });
});
