/**
 * Rootless Podman with the vfs storage driver (what Debian 12's podman 4.3 picks when fuse-overlayfs is not set
 * up): the root is a bind of `~/.local/share/containers/storage/vfs/dir/<id>`, and the engine's files
 * (/etc/hosts, /etc/hostname, /etc/resolv.conf, /run/.containerenv) come from
 * `$XDG_RUNTIME_DIR/containers/vfs-containers/<id>/userdata/`. Captured with scripts/podman-up.sh's rootless
 * service: `podman run -v pvol:/home/coder/.local/share -v /var/cache/app --tmpfs /t persistence-test-volume`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { interpretMountInfo, parseMountInfo } from '../../../src/sources/mountinfo';

const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'mountinfo-podman-rootless-vfs.txt'), 'utf8');

describe('mountinfo of rootless Podman on vfs', () => {
  const v = interpretMountInfo(parseMountInfo(text));

  it('is a container whose root is the writable layer', () => {
    assert.equal(v.insideContainer, true);
    assert.equal(v.rootStatus, 'writable-layer');
    assert.match(v.containerId ?? '', /^[0-9a-f]{64}$/);
  });

  it("lists the volumes and the tmpfs, and none of Podman's own files", () => {
    const listed = v.mounts.filter((m) => !m.pseudo).map((m) => [m.target, m.status]);
    for (const engineFile of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv']) {
      assert.ok(!listed.some(([t]) => t === engineFile), `${engineFile} is Podman's, not a bind of the user's`);
    }
    assert.deepEqual(listed.filter(([t]) => ['/home/coder/.local/share', '/var/cache/app', '/data', '/t'].includes(t!)).sort(), [
      ['/data', 'anonymous-volume'],
      ['/home/coder/.local/share', 'named-volume'],
      ['/t', 'tmpfs'],
      ['/var/cache/app', 'anonymous-volume'],
    ]);
    assert.equal(v.mounts.find((m) => m.target === '/home/coder/.local/share')?.source, 'pvol');
  });
});
