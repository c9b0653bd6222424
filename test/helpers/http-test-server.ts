/**
 * A real local HTTP server for fetch and object-store tests: a route function, request counts
 * per path, and responses a test may leave hanging (to provoke timeouts), all torn down by
 * `close()`.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HttpTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Requests seen per path (counted before the route runs, so a route can read its own count). */
  readonly hits: Map<string, number>;
  /** Responses never answered; `close()` destroys them. */
  readonly hanging: ServerResponse[];
  close(): Promise<void>;
}

export async function startHttpTestServer(route: (req: IncomingMessage, res: ServerResponse, server: HttpTestServer) => void): Promise<HttpTestServer> {
  const hits = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  let self!: HttpTestServer;
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    route(req, res, self);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    hanging,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return self;
}
