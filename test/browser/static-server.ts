/**
 * A tiny static HTTP server for browser tests: serves one directory (the repo root, so the page
 * reaches `/dist/...` and `/wasm/build/sluice.wasm`) on 127.0.0.1 at a random port. Chromium
 * grants `navigator.gpu` only to secure contexts, and http://127.0.0.1 is one (about:blank and
 * file:// are not).
 *
 * Test pages are TypeScript: a request for `X.js` under `transpileUnder` that has no `X.js` on
 * disk but an `X.ts` gets the `.ts` file transpiled (types erased, imports untouched), so pages
 * follow the repo's TS/ESM rules without a bundler or a build step of their own.
 */

import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  // WebAssembly.instantiateStreaming refuses any other type.
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticServerOptions {
  /** Directory served at `/`. */
  root: string;
  /** Directory (inside root) whose `.ts` files are served transpiled as `.js`. */
  transpileUnder?: string;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Paths answered 404 so far, for diagnosing a page whose imports failed. */
  readonly notFound: readonly string[];
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function transpile(source: string, fileName: string): string {
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      // Inline maps keep page stack traces pointing at the .ts lines.
      inlineSourceMap: true,
      inlineSources: true,
    },
  }).outputText;
}

export async function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(opts.root);
  const tsRoot = opts.transpileUnder === undefined ? undefined : resolve(opts.transpileUnder);
  const notFound: string[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers = { "cache-control": "no-store" };
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, headers).end();
        return;
      }
      const path = resolve(join(root, decodeURIComponent(url.pathname)));
      // No escaping the root through `..` or encoded separators.
      if (path !== root && !path.startsWith(root + sep)) {
        res.writeHead(403, headers).end();
        return;
      }
      let body: Buffer | string;
      let type = MIME[extname(path)] ?? "application/octet-stream";
      if (await isFile(path)) {
        body = await readFile(path);
      } else if (tsRoot && path.endsWith(".js") && !relative(tsRoot, path).startsWith("..") && (await isFile(path.slice(0, -3) + ".ts"))) {
        const tsPath = path.slice(0, -3) + ".ts";
        body = transpile(await readFile(tsPath, "utf8"), tsPath);
        type = MIME[".js"]!;
      } else {
        notFound.push(url.pathname);
        res.writeHead(404, { ...headers, "content-type": MIME[".txt"]! }).end(`not found: ${url.pathname}`);
        return;
      }
      res.writeHead(200, { ...headers, "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": MIME[".txt"]! });
      res.end(String(e));
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    // Port 0: the OS picks a free one, so parallel runs never collide.
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    notFound,
    close: () =>
      new Promise<void>((ok) => {
        // Chromium keeps connections alive; drop them so close() does not wait for their timeout.
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
