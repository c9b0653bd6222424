/**
 * `http://` and `https://` objects over the global `fetch`, with the failure handling a pipeline
 * needs from a network it does not control: a bound on concurrent requests, a timeout on every
 * attempt (headers and body), and retries with backoff on what may pass — timeouts, connection
 * errors, 5xx, 408 and 429. Other statuses (404, 403, …) fail at once with their status.
 */

import { FetchError } from "../api/runtime-errors.js";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import type { ObjectBackend, ReadRequest } from "./object-backend.js";
import { describeRef, fetchError, tooLargeError, type ObjectRef } from "./object-uri.js";
import type { RetryConfig } from "../async/async-config.js";
import { resolveRetry, withRetry, type RetryInput } from "./retry.js";

export interface HttpBackendOptions {
  /** Requests in flight at once, across all callers of this backend. Default 8. */
  readonly concurrency?: number;
  /** Limit per attempt, from sending the request to the last body byte, in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** The async engine's retry config; default 3 attempts, 100 ms doubling to 10 s, jitter 0.2. */
  readonly retry?: RetryInput;
  /** Sent with every request (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof globalThis.fetch;
}

/** Statuses worth another attempt: the server or something in between may recover. */
export function isRetriableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export class HttpObjectBackend implements ObjectBackend {
  readonly schemes = ["http", "https"] as const;
  readonly cacheable = true;
  readonly timeoutMs: number;
  readonly retry: RetryConfig;
  private readonly limit: ConcurrencyLimit;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(options: HttpBackendOptions = {}) {
    this.limit = new ConcurrencyLimit(options.concurrency ?? 8);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`http object store: timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.retry = resolveRetry(options.retry, "fetch");
    this.headers = options.headers ?? {};
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  /** Requests in flight now (for metrics). */
  get inFlight(): number {
    return this.limit.active;
  }

  read(request: ReadRequest): Promise<Uint8Array> {
    // The slot is taken per attempt, so a request waiting out its backoff does not hold one.
    return withRetry(() => this.limit.run(() => this.attempt(request)), this.retry, {
      signal: request.signal,
      exhausted: (err, attempts) => {
        const last = err as FetchError;
        // Not retriable any more: the retries are spent here, outer layers should not multiply them.
        return fetchError(request.ref, `${stripPrefix(request.ref, last.message)} (gave up after ${attempts} attempts)`, { status: last.status, cause: last });
      },
    });
  }

  private async attempt({ ref, maxBytes, signal }: ReadRequest): Promise<Uint8Array> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const failure = (err: unknown, phase: "request" | "body"): unknown => {
      if (signal?.aborted) return signal.reason;
      if (timeout.aborted) {
        return fetchError(ref, `timed out after ${this.timeoutMs} ms ${phase === "request" ? "waiting for the response" : "reading the body"}`, { retriable: true, cause: err });
      }
      return fetchError(ref, `${phase === "request" ? "request" : "reading the body"} failed: ${messageOf(err)}`, { retriable: true, cause: err });
    };

    const headers: Record<string, string> = { ...this.headers };
    const ranged = ref.offset !== undefined || ref.length !== undefined;
    const start = ref.offset ?? 0;
    if (ranged) headers.range = `bytes=${start}-${ref.length === undefined ? "" : start + ref.length - 1}`;
    if (ranged && ref.length === 0) return new Uint8Array(0);

    let res: Response;
    try {
      res = await this.fetchFn(ref.uri, { headers, signal: both, redirect: "follow" });
    } catch (err) {
      throw failure(err, "request");
    }
    const body = res.body;
    try {
      if (!res.ok) {
        const retriable = isRetriableStatus(res.status);
        throw fetchError(ref, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`, { status: res.status, retriable });
      }
      const etag = res.headers.get("etag");
      if (ref.etag !== undefined && etag !== null && etag !== ref.etag) {
        throw fetchError(ref, `etag is ${etag}, the reference is pinned to ${ref.etag}`, { status: res.status });
      }
      // A server that ignores Range answers 200 with the whole object: cut the range out ourselves.
      const skip = ranged && res.status !== 206 ? start : 0;
      const want = ref.length;
      const declared = Number(res.headers.get("content-length") ?? NaN);
      const keep = Number.isFinite(declared) ? Math.max(0, declared - skip) : undefined;
      const expected = want === undefined ? keep : Math.min(want, keep ?? want);
      if (expected !== undefined && expected > maxBytes) throw tooLargeError(ref, expected, maxBytes);
      const bytes = await readBody(ref, body, { skip, take: want, maxBytes, sizeHint: expected }).catch((err: unknown) => {
        throw err instanceof FetchError ? err : failure(err, "body");
      });
      if (want !== undefined && bytes.length < want) {
        throw fetchError(ref, `range runs past the end of the object (got ${bytes.length} of ${want} bytes)`, { status: res.status });
      }
      return bytes;
    } finally {
      // Free the connection whatever happened; cancelling a fully read body is a no-op.
      await body?.cancel().catch(() => undefined);
    }
  }
}

interface BodyPlan {
  /** Bytes to discard first (a 200 answer to a range request). */
  readonly skip: number;
  /** Bytes to keep, or undefined for all. */
  readonly take: number | undefined;
  readonly maxBytes: number;
  readonly sizeHint: number | undefined;
}

/** Reads a response body into one array, enforcing the size limit on every chunk. */
async function readBody(ref: ObjectRef, body: ReadableStream<Uint8Array> | null, plan: BodyPlan): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  let out = new Uint8Array(Math.min(plan.sizeHint ?? 64 * 1024, plan.maxBytes));
  let length = 0;
  let toSkip = plan.skip;
  const limit = plan.take ?? Infinity;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = value;
      if (toSkip > 0) {
        const n = Math.min(toSkip, chunk.length);
        toSkip -= n;
        chunk = chunk.subarray(n);
      }
      chunk = chunk.subarray(0, Math.min(chunk.length, limit - length));
      if (length + chunk.length > plan.maxBytes) throw tooLargeError(ref, `more than ${plan.maxBytes}`, plan.maxBytes);
      if (length + chunk.length > out.length) {
        const grown = new Uint8Array(Math.min(plan.maxBytes, Math.max(out.length * 2, length + chunk.length)));
        grown.set(out.subarray(0, length));
        out = grown;
      }
      out.set(chunk, length);
      length += chunk.length;
    }
  } finally {
    reader.releaseLock();
  }
  return out.length === length ? out : out.subarray(0, length);
}

function stripPrefix(ref: ObjectRef, message: string): string {
  const prefix = `fetch ${describeRef(ref)}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** Undici hides the reason of a network failure in `cause` ("fetch failed" → ECONNREFUSED …). */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return cause ? `${err.message} (${code ?? cause.message})` : err.message;
}
