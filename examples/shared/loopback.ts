// Helper for the examples (not an example itself): serve a request listener on a free port of 127.0.0.1.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Stops accepting, drops idle keep-alive connections and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Listens with `listener` (an Express app, or a Koa app's `callback()`) on 127.0.0.1 and a port the OS picks.
 * @example const { base, close } = await listenOnLoopback(app); await fetch(`${base}/checkout`); await close();
 */
export async function listenOnLoopback(listener: RequestListener): Promise<LoopbackServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
