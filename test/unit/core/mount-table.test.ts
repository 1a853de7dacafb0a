import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MountTable } from '../../../src/core/mount-table';
import type { Mount } from '../../../src/core/types';

const vol = (target: string, source: string, extra: Partial<Mount> = {}): Mount => ({
  target,
  status: 'named-volume',
  source,
  readOnly: false,
  ...extra,
});

describe('MountTable.classify', () => {
  const table = new MountTable([
    vol('/home/coder/.local', 'local'),
    vol('/home/coder/.local/share/code-server', 'cs'),
    { target: '/data', status: 'tmpfs', readOnly: false },
    { target: '/srv', status: 'bind-mount', source: '/host/srv', readOnly: true },
  ]);

  it('uses the longest mount point containing the path', () => {
    assert.equal(table.classify('/home/coder/.local/share/code-server/User/settings.json').mount?.source, 'cs');
    assert.equal(table.classify('/home/coder/.local/bin/tool').mount?.source, 'local');
  });

  it('compares whole components', () => {
    assert.equal(table.classify('/data2/file').status, 'writable-layer');
    assert.equal(table.classify('/data/file').status, 'tmpfs');
  });

  it('gives the root storage to paths no mount covers', () => {
    const c = table.classify('/etc/passwd');
    assert.equal(c.status, 'writable-layer');
    assert.equal(c.mount, undefined);
    assert.equal(c.survives.recreate, false);
  });

  it('keeps read-only flags', () => {
    assert.equal(table.classify('/srv/x').readOnly, true);
  });

  it('lets a later mount at the same point hide an earlier one (stacking)', () => {
    const t = new MountTable([vol('/x', 'below'), vol('/x', 'above')]);
    assert.equal(t.classify('/x/y').mount?.source, 'above');
  });

  it('honours a tmpfs root (an impermanent host)', () => {
    const t = new MountTable([{ target: '/persist', status: 'bind-mount', source: '/persist', readOnly: false }], 'tmpfs');
    assert.equal(t.classify('/etc/x').status, 'tmpfs');
    assert.equal(t.classify('/persist/x').status, 'bind-mount');
  });

  it('handles trailing slashes', () => {
    assert.equal(table.classify('/data/').status, 'tmpfs');
  });
});
