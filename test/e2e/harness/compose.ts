// code-server as a service of a compose project, brought up with docker-compose (v1, what Debian has), the way a
// user runs their editor from a compose file: the image of scripts/e2e/build-image.sh, the host's node binary
// and code-server install read-only, a seed folder (the .vsix, the user settings) that the image's start
// script copies into the home on every start, a named volume at ~/.config, the Docker socket, a tmpfs at /tmp,
// and the workspace bind-mounted at /workspace (`- ./:/workspace` in a user's file): the compose labels the
// engine reports name the compose file by its host path, which the editor finds through that bind mount.
import { execFile } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { HOME } from './container';
import { docker, RUNNER_LABEL, TEST_LABEL } from './docker';

export const COMPOSE_SERVICE = 'editor';

export interface ComposeSpec {
  /** Compose project name (-p). */
  project: string;
  /** The compose file (host path, inside the workspace). */
  file: string;
  image: string;
  runId: string;
  /** The workspace folder on the host. */
  workspace: string;
  /** Where the workspace is mounted in the container (the folder code-server opens). */
  workspaceAt: string;
  /** A host folder copied into the home at every start (PL_SEED). */
  seedDir: string;
  codeServerDir: string;
  socket: string;
}

const q = (s: string) => JSON.stringify(s);

/** The compose file: one service, code-server, labelled as this run's (as is the volume compose makes). */
export function composeFileText(s: ComposeSpec): string {
  const [k, v] = TEST_LABEL.split('=') as [string, string];
  const labels = [`${k}: ${q(v)}`, `persistence-lens.e2e-run: ${q(s.runId)}`, `${RUNNER_LABEL}: ${q(String(process.pid))}`];
  return `# code-server, as the team runs it: docker-compose -p ${s.project} -f ${s.file} up -d
services:
  ${COMPOSE_SERVICE}:
    image: ${s.image}
    command: ["/usr/local/bin/pl-code-server", ${q(s.workspaceAt)}]
    working_dir: ${q(s.workspaceAt)}
    ports:
      - "127.0.0.1::8080"
    environment:
      PL_SEED: /opt/pl-seed
    group_add:
      - "${statSync(s.socket).gid}"
    tmpfs:
      - /tmp
    labels:
${labels.map((l) => `      ${l}`).join('\n')}
    volumes:
      - ${realpathSync(process.execPath)}:/opt/node/bin/node:ro
      - ${s.codeServerDir}:/opt/code-server:ro
      - ${s.seedDir}:/opt/pl-seed:ro
      - ${s.socket}:/var/run/docker.sock
      - ${s.workspace}:${s.workspaceAt}
      - config:${HOME}/.config

volumes:
  config:
    labels:
${labels.map((l) => `      ${l}`).join('\n')}
`;
}

/** Runs a command line (an argv) and resolves with its output; rejects with the output's tail. */
export function runArgv(argv: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`${argv.join(' ')} failed (${err.code ?? err.signal}): ${(stdout + stderr).trim().split('\n').slice(-6).join(' / ')}`),
        );
      else resolve(stdout + stderr);
    });
  });
}

export function compose(s: Pick<ComposeSpec, 'project' | 'file'>, ...args: string[]): Promise<string> {
  return runArgv(['docker-compose', '-p', s.project, '-f', s.file, ...args]);
}

/** The running container of the service (its full id), or undefined. */
export async function serviceContainer(project: string): Promise<string | undefined> {
  const out = await docker([
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${COMPOSE_SERVICE}`,
  ]);
  const ids = out.split('\n').filter(Boolean);
  return ids.length === 1 ? ids[0] : undefined;
}
