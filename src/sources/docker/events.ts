import { connectDocker, type ConnectOptions } from './client';

/** What the tree cares about: something happened to a container or a volume. */
export interface EngineEvent {
  type: 'container' | 'volume';
  action: string;
  id?: string;
}

export interface EventWatch {
  /** Settles when the stream ends: the daemon stopped, the socket went away, or `close()` was called. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Container actions that change what a scan reports; exec_* and health checks are noise, and so is
 * `archive-path` (a copy out of a container: our own backups). `extract-to-dir` is a copy into one.
 */
const CONTAINER_ACTIONS = new Set([
  'create',
  'destroy',
  'start',
  'stop',
  'die',
  'kill',
  'rename',
  'update',
  'restart',
  'pause',
  'unpause',
  'extract-to-dir',
]);

/**
 * Follows `GET /events` for containers and volumes. Connects (and so throws DockerUnavailableError) like a
 * scan does; after that, any end of the stream settles `ended` instead of throwing, so a caller can show
 * the daemon as gone and try again later.
 */
export async function watchEngineEvents(onEvent: (e: EngineEvent) => void, opts: ConnectOptions = {}): Promise<EventWatch> {
  const { docker } = await connectDocker(opts);
  const stream = (await docker.getEvents({ filters: { type: ['container', 'volume'] } })) as NodeJS.ReadableStream & { destroy(): void };
  let buffered = '';
  const ended = new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        const event = parseEvent(line);
        if (event) onEvent(event);
      }
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  return { ended, close: () => stream.destroy() };
}

export function parseEvent(line: string): EngineEvent | undefined {
  if (!line) return undefined;
  let raw: { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown } };
  try {
    raw = JSON.parse(line) as typeof raw;
  } catch {
    return undefined;
  }
  const type = raw.Type;
  // "health_status: healthy", "exec_start: sh -c ..." carry detail after a colon.
  const action = typeof raw.Action === 'string' ? raw.Action.split(':')[0]!.trim() : '';
  if (type === 'container' && !CONTAINER_ACTIONS.has(action)) return undefined;
  if (type !== 'container' && type !== 'volume') return undefined;
  const id = typeof raw.Actor?.ID === 'string' ? raw.Actor.ID : undefined;
  return { type, action, ...(id ? { id } : {}) };
}
