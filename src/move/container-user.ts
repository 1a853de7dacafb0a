import type Dockerode from 'dockerode';
import { engineArchive } from '../backup/docker-access';
import type { DockerConnection } from '../sources/docker/client';

/**
 * The uid and gid a container's processes run as (`Config.User`: `""`, `1000`, `1000:1000`, `coder`,
 * `coder:staff`). Names are looked up in the container's own /etc/passwd and /etc/group, read through the
 * archive endpoint (works on a stopped container; nothing runs in it).
 */
export interface ContainerUser {
  uid: number;
  gid: number;
  /** As configured, for messages. */
  spec: string;
}

export async function containerUser(
  conn: DockerConnection,
  container: Dockerode.Container,
  userSpec: string | undefined,
  signal?: AbortSignal,
): Promise<ContainerUser> {
  const spec = (userSpec ?? '').trim();
  if (spec === '') return { uid: 0, gid: 0, spec: 'root' };
  const [userPart = '', groupPart] = spec.split(':');
  let passwd: string | undefined;
  let group: string | undefined;
  const needPasswd = !/^\d+$/.test(userPart) || groupPart === undefined;
  if (needPasswd) passwd = await readContainerFile(conn, container, '/etc/passwd', signal);
  if (groupPart !== undefined && !/^\d+$/.test(groupPart)) group = await readContainerFile(conn, container, '/etc/group', signal);

  const pw = passwd !== undefined ? parsePasswd(passwd) : [];
  let uid: number;
  let primaryGid: number | undefined;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    primaryGid = pw.find((e) => e.uid === uid)?.gid;
  } else {
    const e = pw.find((x) => x.name === userPart);
    if (!e) throw new Error(`the container's user "${userPart}" is not in its /etc/passwd`);
    uid = e.uid;
    primaryGid = e.gid;
  }
  let gid: number;
  if (groupPart === undefined) gid = primaryGid ?? uid;
  else if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
  else {
    const g = parseGroup(group ?? '').find((x) => x.name === groupPart);
    if (!g) throw new Error(`the container's group "${groupPart}" is not in its /etc/group`);
    gid = g.gid;
  }
  return { uid, gid, spec };
}

export function parsePasswd(text: string): Array<{ name: string; uid: number; gid: number }> {
  const out: Array<{ name: string; uid: number; gid: number }> = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0]!, uid, gid });
  }
  return out;
}

export function parseGroup(text: string): Array<{ name: string; gid: number }> {
  const out: Array<{ name: string; gid: number }> = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid)) out.push({ name: f[0]!, gid });
  }
  return out;
}

/** A small text file of a container, or '' when it has none. */
async function readContainerFile(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  signal?: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const entry of engineArchive(conn, container, path, (n) => n, {
      doing: `reading ${path} of the container`,
      ...(signal ? { signal } : {}),
    })) {
      if (entry.body) for await (const c of entry.body) chunks.push(c);
    }
  } catch (err) {
    if ((err as { cause?: { statusCode?: number } }).cause?.statusCode === 404 || /HTTP 404/.test(String((err as Error).message)))
      return '';
    throw err;
  }
  return Buffer.concat(chunks).toString('utf8');
}
