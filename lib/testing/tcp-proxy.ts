import net from 'node:net';

/**
 * A TCP pass-through to a real server, for faults no server can be asked to make:
 * - `reset()` ends every connection through it with a TCP RST, so the client sees ECONNRESET in
 *   the middle of whatever it was doing (a link or a middlebox failing), not the orderly close a
 *   restart sends;
 * - `freeze()` stops passing bytes either way, connections staying open and new ones accepted,
 *   until `thaw()` delivers what waited: a server that stopped answering (paused by the OS, stuck)
 *   or a link that silently drops everything, where no error ever reaches the client.
 */
export interface TcpProxy {
  /** `url` with its host and port pointed at the proxy. */
  urlThrough(url: string): string;
  reset(): void;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let frozen = false;
  const flow = ({ client, upstream }: Link) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const link = { client, upstream };
    links.add(link);
    // A reset or a closing side takes the other with it; their errors are the point, not news.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', () => {
      links.delete(link);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    if (frozen) {
      client.pause();
      upstream.pause();
    } else {
      flow(link);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    urlThrough(url) {
      const through = new URL(url);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      return through.toString();
    },
    reset() {
      for (const { client } of links) client.resetAndDestroy();
    },
    freeze() {
      frozen = true;
      for (const { client, upstream } of links) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const link of links) flow(link);
    },
    async close() {
      for (const { client } of links) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
