import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A unix-socket proxy to the real Docker socket, to simulate the engine going away without touching the
 * shared daemon: `cut()` destroys every connection and stops listening (the socket file disappears), `resume()`
 * listens again on the same path. `bytesDown` counts what the engine sent through it.
 */
export class SocketProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  bytesDown = 0;

  constructor(
    readonly path: string,
    private readonly target = '/var/run/docker.sock',
  ) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.sockets.add(client);
      this.sockets.add(upstream);
      upstream.on('data', (d: Buffer) => (this.bytesDown += d.length));
      client.pipe(upstream);
      upstream.pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    this.server = server;
  }

  /** The engine "stops": every connection is reset and nothing listens any more. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  async resume(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
