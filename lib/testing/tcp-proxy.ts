import net from 'node:net';

/**
 * A TCP pass-through to a real server, for faults no server can be asked to make: `reset()` ends
 * every connection through it with a TCP RST, so the client sees ECONNRESET in the middle of
 * whatever it was doing (a link or a middlebox failing), not the orderly close a restart sends.
 */
export interface TcpProxy {
  /** `url` with its host and port pointed at the proxy. */
  urlThrough(url: string): string;
  reset(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    clients.add(client);
    // A reset or a closing side takes the other with it; their errors are the point, not news.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', () => {
      clients.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
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
      for (const client of clients) client.resetAndDestroy();
    },
    async close() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
