import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FetchError } from "../../../runtime/api/runtime-errors.js";
import { HttpObjectBackend, ObjectStore, type HttpBackendOptions } from "../../../runtime/objects/index.js";
import { startHttpTestServer, type HttpTestServer } from "../../helpers/http-test-server.js";

const body = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
let server: HttpTestServer;
let base: string;
let hits: Map<string, number>;
let inFlight = 0;
let peakInFlight = 0;

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? "/";
  const n = hits.get(path)!;
  switch (path) {
    case "/data": {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      if (!m) return void res.writeHead(200, { "content-length": body.length, etag: '"v1"' }).end(body);
      const start = Number(m[1]), end = m[2] ? Number(m[2]) + 1 : body.length;
      res.writeHead(206, { "content-length": end - start, "content-range": `bytes ${start}-${end - 1}/${body.length}` }).end(body.subarray(start, end));
      return;
    }
    case "/no-range-support":
      return void res.writeHead(200, { "content-length": body.length }).end(body);
    case "/missing":
      return void res.writeHead(404).end("not here");
    case "/forbidden":
      return void res.writeHead(403).end();
    case "/flaky":
      if (n === 1) return void res.writeHead(503).end("busy");
      return void res.writeHead(200).end("recovered");
    case "/always-503":
      return void res.writeHead(503).end();
    case "/hang":
      server.hanging.push(res); // never answers
      return;
    case "/stall-body":
      res.writeHead(200, { "content-length": 100 });
      res.write(body.subarray(0, 10));
      server.hanging.push(res);
      return;
    case "/big-declared":
      return void res.writeHead(200, { "content-length": 5000 }).end(new Uint8Array(5000));
    case "/big-chunked": {
      res.writeHead(200); // no content-length: the limit must trip while streaming
      for (let i = 0; i < 10; i++) res.write(new Uint8Array(500));
      return void res.end();
    }
    case "/slow": {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end("x");
      }, 20);
      return;
    }
    default:
      res.writeHead(500).end();
  }
}

beforeAll(async () => {
  server = await startHttpTestServer(route);
  ({ base, hits } = server);
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => hits.clear());

const fastRetry = { attempts: 3, backoff: { initialMs: 5, maxMs: 10 }, jitter: 0.5 };
const storeWith = (opts: HttpBackendOptions = {}, maxObjectBytes = 2000): ObjectStore =>
  new ObjectStore({ backends: [new HttpObjectBackend({ retry: fastRetry, timeoutMs: 2000, ...opts })], maxObjectBytes });

describe("http(s):// backend", () => {
  it("fetches a whole object and a byte range", async () => {
    const store = storeWith();
    expect(await store.get(`${base}/data`)).toEqual(body);
    expect([...(await store.get({ uri: `${base}/data`, offset: 250, length: 4 }))]).toEqual([250, 0, 1, 2]);
    expect((await store.get({ uri: `${base}/data`, offset: 990 })).length).toBe(10);
  });

  it("cuts the range itself when the server ignores Range", async () => {
    const bytes = await storeWith().get({ uri: `${base}/no-range-support`, offset: 500, length: 3 });
    expect([...bytes]).toEqual([...body.subarray(500, 503)]);
  });

  it("does not retry a 404: FetchError with status 404 after one request", async () => {
    const err = await storeWith().get(`${base}/missing`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).status).toBe(404);
    expect((err as FetchError).retriable).toBe(false);
    expect((err as FetchError).message).toMatch(/\/missing: HTTP 404/);
    expect(hits.get("/missing")).toBe(1);
    await expect(storeWith().get(`${base}/forbidden`)).rejects.toMatchObject({ status: 403 });
    expect(hits.get("/forbidden")).toBe(1);
  });

  it("retries a 503 and succeeds on the next attempt", async () => {
    const bytes = await storeWith().get(`${base}/flaky`);
    expect(new TextDecoder().decode(bytes)).toBe("recovered");
    expect(hits.get("/flaky")).toBe(2);
  });

  it("gives up on a persistent 503 after the retries, keeping the status", async () => {
    const err = (await storeWith().get(`${base}/always-503`).catch((e: unknown) => e)) as FetchError;
    expect(err.status).toBe(503);
    expect(err.retriable).toBe(false); // spent here; outer layers must not multiply the retries
    expect(err.message).toMatch(/HTTP 503.*\(gave up after 3 attempts\)/);
    expect(hits.get("/always-503")).toBe(3);
  });

  it("times out a hanging response, retries, then fails", async () => {
    const err = (await storeWith({ timeoutMs: 100 }).get(`${base}/hang`).catch((e: unknown) => e)) as FetchError;
    expect(err).toBeInstanceOf(FetchError);
    expect(err.message).toMatch(/timed out after 100 ms waiting for the response \(gave up after 3 attempts\)/);
    expect(hits.get("/hang")).toBe(3);
  });

  it("times out a body that stops arriving", async () => {
    const err = (await storeWith({ timeoutMs: 100, retry: { ...fastRetry, attempts: 2 } }).get(`${base}/stall-body`).catch((e: unknown) => e)) as FetchError;
    expect(err.message).toMatch(/timed out after 100 ms reading the body \(gave up after 2 attempts\)/);
    expect(hits.get("/stall-body")).toBe(2);
  });

  it("reports a refused connection as retriable, then gives up", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const err = (await storeWith().get(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e)) as FetchError;
    expect(err.message).toMatch(/request failed: fetch failed \(ECONNREFUSED\) \(gave up after 3 attempts\)/);
  });

  it("enforces the size limit from Content-Length and while streaming, without retrying", async () => {
    const store = storeWith({}, 2000);
    await expect(store.get(`${base}/big-declared`)).rejects.toThrow(/object is too large: 5000 bytes, the limit is 2000/);
    await expect(store.get(`${base}/big-chunked`)).rejects.toThrow(/object is too large: more than 2000 bytes/);
    expect(hits.get("/big-declared")).toBe(1);
    expect(hits.get("/big-chunked")).toBe(1);
  });

  it("rejects an object whose etag differs from the pinned one", async () => {
    await expect(storeWith().get({ uri: `${base}/data`, etag: '"v0"' })).rejects.toThrow(/etag is "v1", the reference is pinned to "v0"/);
    expect((await storeWith().get({ uri: `${base}/data`, etag: '"v1"' })).length).toBe(1000);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    peakInFlight = 0;
    const store = storeWith({ concurrency: 2 });
    const got = await Promise.all(Array.from({ length: 6 }, () => store.get(`${base}/slow`)));
    expect(got.every((b) => b.length === 1)).toBe(true);
    expect(hits.get("/slow")).toBe(6);
    expect(peakInFlight).toBe(2);
  });

  it("stops when the caller aborts, without retrying", async () => {
    const ac = new AbortController();
    const p = storeWith({ timeoutMs: 5000 }).get(`${base}/hang`, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("job cancelled")), 20);
    await expect(p).rejects.toThrow("job cancelled");
    expect(hits.get("/hang")).toBe(1);
  });
});
