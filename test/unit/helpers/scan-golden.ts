/**
 * A fixed scan input for the golden test of `scan --json` (test/unit/report/scan-json-golden.test.ts): containers of the
 * bench's shape and of many kinds (databases, a workstation, odd paths, changes lists), and every compose
 * project of the repository's fixtures and of the shared corpus, analyzed and printed as the CLI prints them.
 * Absolute paths of this checkout are written `<root>` so the output does not depend on where it runs.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { analyzeTarget } from '../../../src/core/analyze';
import type { ChangeEntry } from '../../../src/core/changes';
import type { TargetInput } from '../../../src/core/types';
import { scanJson } from '../../../src/report/format';
import { loadComposeProject } from '../../../src/sources/compose/index';
import { toTarget } from '../../../src/sources/docker/scan';
import { CORPUS_DIR } from './corpus';

const ROOT = resolve(__dirname, '../../..');

type Info = Dockerode.ContainerInspectInfo;

const IMAGES = [
  'postgres:16',
  'ghcr.io/coder/code-server:4.100.3',
  'node:20',
  'redis:7',
  'mysql:8',
  'busybox',
  'mcr.microsoft.com/devcontainers/base:ubuntu',
  'grafana/grafana:10',
];
const HOMES = ['/home/coder', '/root', '/home/node', '', '/var/lib/grafana', '/home/vscode'];

function container(i: number): { info: Info; image: Dockerode.ImageInspectInfo; changes: ChangeEntry[] } {
  const home = HOMES[i % HOMES.length]!;
  const image = IMAGES[i % IMAGES.length]!;
  const id = (i.toString(16).padStart(4, '0') + 'ab'.repeat(30)).slice(0, 64);
  const mounts = [
    {
      Type: 'volume',
      Name: `cfg-${i % 7}`,
      Source: `/var/lib/docker/volumes/cfg-${i % 7}/_data`,
      Destination: `${home || '/home/app'}/.config`,
      Driver: 'local',
      Mode: 'z',
      RW: true,
      Propagation: '',
    },
    {
      Type: 'volume',
      Name: 'app',
      Source: '/var/lib/docker/volumes/app/_data',
      Destination: '/var/lib/app',
      Driver: 'local',
      Mode: 'z',
      RW: true,
      Propagation: '',
    },
    {
      Type: 'volume',
      Name: `${'f'.repeat(60)}${i.toString(16).padStart(4, '0')}`,
      Source: '/x',
      Destination: `${home || '/root'}/.cache`,
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
    },
    {
      Type: 'volume',
      Name: `${'e'.repeat(60)}${i.toString(16).padStart(4, '0')}`,
      Source: '/y',
      Destination: '/srv/anonymous',
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
    },
    {
      Type: 'bind',
      Source: '/tmp/project',
      Destination: i % 5 === 0 ? '/workspaces/project' : '/home/coder/project',
      Mode: '',
      RW: true,
      Propagation: 'rprivate',
    },
    { Type: 'bind', Source: '/tmp/etc-app', Destination: '/etc/app', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'tmpfs', Source: '', Destination: '/run/cache', Mode: '', RW: true, Propagation: '' },
    ...(i % 4 === 0
      ? [
          {
            Type: 'volume',
            Name: 'pgdata',
            Source: '/z',
            Destination: '/var/lib/postgresql/data',
            Driver: 'local',
            Mode: '',
            RW: true,
            Propagation: '',
          },
        ]
      : []),
  ];
  const env = [
    `PATH=/usr/local/bin:/usr/bin:/bin`,
    ...(home ? [`HOME=${home}`] : []),
    ...(i % 3 === 0 ? ['XDG_CONFIG_HOME=/config', 'HISTFILE=/commandhistory/.bash_history'] : []),
    ...(i % 6 === 1 ? ['PGDATA=/var/lib/postgresql/data/pgdata'] : []),
  ];
  const info = {
    Id: id,
    Name: `/c-${i}`,
    State: { Status: i % 2 ? 'running' : 'created' },
    Config: {
      Image: image,
      Env: env,
      User: i % 3 === 1 ? 'coder' : '',
      WorkingDir: i % 2 ? '/home/coder/project' : '',
      Labels:
        i % 5 === 0
          ? { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': `svc${i}`, 'devcontainer.local_folder': '/home/me/p' }
          : { 'persistence-lens.bench': '1' },
      Volumes: i % 4 === 0 ? { '/var/lib/postgresql/data': {} } : null,
    },
    HostConfig: { Tmpfs: { '/tmp': '', ...(i % 3 === 2 ? { '/run/secrets': 'ro,size=1m' } : {}) }, ReadonlyRootfs: i % 9 === 8 },
    Mounts: mounts,
  } as unknown as Info;
  const img = {
    Config: { Volumes: i % 4 === 0 ? { '/var/lib/postgresql/data': {} } : i % 4 === 1 ? { '/data': {} } : null },
  } as unknown as Dockerode.ImageInspectInfo;
  const changes = (
    [
      { path: '/etc', kind: 0 },
      { path: '/etc/hostname', kind: 0 },
      { path: `${home || '/root'}`, kind: 0 },
      { path: `${home || '/root'}/.bash_history`, kind: 1 },
      { path: `${home || '/root'}/.ssh`, kind: 1 },
      { path: `${home || '/root'}/.ssh/id_ed25519`, kind: 1 },
      { path: `${home || '/root'}/.local/share/code-server`, kind: 1 },
      { path: '/var/lib/mysql', kind: 1 },
      { path: '/var/lib/mysql/ibdata1', kind: 1 },
      { path: '/usr/local/lib/node_modules/x', kind: 1 },
      { path: '/opt/weird path/ü', kind: 1 },
      { path: '/var/log/app.log', kind: 2 },
    ] satisfies ChangeEntry[]
  ).slice(0, 3 + (i % 10));
  return { info, image: img, changes };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/^(docker-)?compose[^/]*\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** The targets: 60 containers, then every compose project that loads (one that does not is skipped). */
export async function goldenTargets(): Promise<TargetInput[]> {
  const targets: TargetInput[] = [];
  for (let i = 0; i < 60; i++) {
    const c = container(i);
    targets.push(
      toTarget(c.info, c.image, new Map([['app', { 'com.docker.compose.project': 'demo' }]]), i % 7 === 3 ? undefined : c.changes),
    );
  }
  for (const file of [...yamlFiles(join(ROOT, 'test/fixtures/compose')), ...yamlFiles(CORPUS_DIR)]) {
    const project = await loadComposeProject([file], { autoOverride: false, env: { HOME: '/home/me', USER: 'me' } }).catch(() => undefined);
    if (project) targets.push(...project.targets);
  }
  return targets;
}

/** `scan --json` of the targets, exactly as the CLI prints it, with this checkout's paths made `<root>`. */
export function goldenJson(targets: TargetInput[]): string {
  const json = JSON.stringify(scanJson({ targets: targets.map(analyzeTarget), warnings: ['a warning'] }), null, 2);
  return json.split(CORPUS_DIR).join('<corpus>').split(ROOT).join('<root>');
}
