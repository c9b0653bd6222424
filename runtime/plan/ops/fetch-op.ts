/**
 * `fetch`: the bytes behind a column of URLs, paths or `sluice.object_ref`s, through the object
 * store (`file://` inside allowed roots, `http(s)://`, `memory://`), on the async invocation
 * model. Each row is its own item: a 404 is dead-lettered at once, a timeout or 5xx is retried
 * with backoff and dead-lettered with its reason once attempts run out, and the good rows flow on.
 *
 * Timeouts and retries are per object, not per call: a micro-batch holds many objects, and one
 * slow URL must not time out (and re-fetch) its neighbours. So the invoker's call timeout is off,
 * the http backend enforces `timeoutMs` on each request, and it makes one attempt per call —
 * retries are the invoker's, which re-queues only the objects that failed.
 */

import { Binary, DataType, Field } from "apache-arrow";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { InvokeFn } from "../../async/async-types.js";
import { failItem } from "../../async/async-types.js";
import { FetchError, RecordError } from "../../api/runtime-errors.js";
import { ConcurrencyLimit } from "../../objects/concurrency-limit.js";
import { ObjectStore } from "../../objects/object-store.js";
import type { ObjectRef } from "../../objects/object-uri.js";
import { AsyncRowOperator } from "../../operators/async-row-operator.js";
import { OutputLayout } from "../../operators/output-layout.js";
import type { RowRange } from "../../operators/row-ranges.js";
import { binaryData, concatBytes } from "../../types/storage-data.js";
import { detectImageFormat, imageField, isObjectRefField, objectRefAt, objectRefInfo, type ExtensionColumn } from "../../types/index.js";
import { defineOp, type PlanContext } from "../op-definition.js";
import { asyncArgs, asyncConfigFromArgs, checkKeyColumn, columnList, describeAsync, type AsyncArgs } from "./async-args.js";

export interface FetchArgs extends AsyncArgs {
  column: string;
  output?: string;
  as?: "bytes" | "image";
  allowedRoots?: string[];
  maxBytes?: number;
  cacheBytes?: number;
  /** DataFrame API: read through this store (e.g. one holding `memory://` objects). */
  store?: ObjectStore;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** Objects read at once by one call (the http backend has its own bound on connections). */
const READS_PER_CALL = 32;
/** setTimeout's largest delay: "no timeout" for the http backend, which needs one. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

export const fetchOp = defineOp<FetchArgs>({
  kind: "transform",
  name: "fetch",
  category: "object",
  summary: "Reads the bytes behind URLs, paths or object references (file, http(s), memory) with batching, retries and dead letters",
  example: "fetch: { column: url, as: image, timeoutMs: 5000, retry: { attempts: 3 } }",
  args: {
    column: { type: "string", required: true, doc: "utf8 column of URLs/paths, or a sluice.object_ref column" },
    output: { type: "string", doc: "column to write (default 'bytes', or 'image' with as: image)" },
    as: { type: "string", doc: "bytes → Binary; image → encoded sluice.image (bytes checked to be an image)", default: "bytes", oneOf: ["bytes", "image"] },
    allowedRoots: { type: "string[]", doc: "directories file paths may read from (default: the spec file's folder)" },
    maxBytes: { type: "integer", doc: "largest object, bytes (default 256 MiB)", min: 0 },
    cacheBytes: { type: "integer", doc: "byte budget of the cache of file/http reads (default 0: none)", min: 0 },
    store: { type: "value", doc: "an ObjectStore to read through (DataFrame API)" },
    ...asyncArgs,
  },
  plan(args, input, ctx) {
    const config = asyncConfigFromArgs(args, ctx);
    checkKeyColumn(args, input, ctx);
    const field = input.fields.find((f) => f.name === args.column);
    if (!field) throw ctx.error(`column '${args.column}' does not exist (columns: ${columnList(input)})`, { arg: "column" });
    const refs = isObjectRefField(field);
    if (refs) {
      try {
        objectRefInfo(field);
      } catch (cause) {
        throw ctx.error(`column '${args.column}': ${(cause as Error).message}`, { arg: "column", cause });
      }
    } else if (!DataType.isUtf8(field.type) && !DataType.isLargeUtf8(field.type)) {
      throw ctx.error(`column '${args.column}' must be utf8 (URLs or paths) or sluice.object_ref, got ${field.type}`, { arg: "column" });
    }
    const as = args.as ?? "bytes";
    const output = args.output ?? (as === "image" ? "image" : "bytes");
    const outField = as === "image" ? imageField(output, { encoded: true }) : new Field(output, new Binary(), true);
    const layout = new OutputLayout(input, [outField]);
    const store = args.store ?? standardStore(args, config.timeoutMs, ctx);
    const step = ctx.step.name;
    const column = args.column;

    const refAt = (r: RowRange): ObjectRef | string | null => {
      if (refs) {
        const ref = objectRefAt({ field, vector: r.batch.getChild(column)! } as ExtensionColumn, r.start);
        return ref && { ...ref, uri: toUri(ref.uri, ctx) };
      }
      const s = r.batch.getChild(column)!.get(r.start) as string | null;
      return s === null || s === undefined ? null : toUri(s, ctx);
    };

    const invoke: InvokeFn<RowRange, Uint8Array> = (ranges, ictx) => {
      const limit = new ConcurrencyLimit(READS_PER_CALL);
      return Promise.all(
        ranges.map(async (r) => {
          const ref = refAt(r);
          if (ref === null) return failItem(new RecordError("no object reference (null)", { step }));
          try {
            const bytes = await limit.run(() => store.get(ref, { signal: ictx.signal }));
            if (as === "image" && detectImageFormat(bytes) === undefined) {
              return failItem(new RecordError(`not an image: unrecognised bytes (${bytes.byteLength} bytes)`, { step }));
            }
            return bytes;
          } catch (e) {
            return failItem(attemptError(e));
          }
        }),
      );
    };

    return {
      kind: "transform",
      output: layout.schema,
      backend: "object-store",
      detail: `${column} → ${output} (${as}) via ${store.schemes.map((s) => `${s}:`).join(" ")}, ${describeAsync(config)}`,
      create: () =>
        new AsyncRowOperator<Uint8Array>({
          step,
          config: { ...config, timeoutMs: 0 },
          unit: "row",
          invoke,
          assemble: (run) => {
            const { bytes, offsets } = concatBytes(run.outputs);
            return layout.build(run.batch, run.start, run.count, [binaryData(bytes, offsets)]);
          },
          keyColumn: args.key,
          deadLetterInput: (r) => {
            const ref = refAt(r);
            return ref === null ? null : typeof ref === "string" ? ref : ref.uri;
          },
          backend: "object-store",
        }),
    };
  },
});

function standardStore(args: FetchArgs, timeoutMs: number, ctx: PlanContext): ObjectStore {
  const roots = (args.allowedRoots ?? [ctx.plan.baseDir]).map((r) => ctx.resolvePath(r));
  try {
    return ObjectStore.standard({
      roots,
      http: { timeoutMs: timeoutMs > 0 ? timeoutMs : NO_TIMEOUT_MS, retry: { attempts: 1 }, concurrency: 16 },
      maxObjectBytes: args.maxBytes,
      cacheBytes: args.cacheBytes,
    });
  } catch (cause) {
    throw ctx.error(cause instanceof Error ? cause.message : String(cause), { arg: "allowedRoots", cause });
  }
}

/** A bare path (no scheme) is a file, relative to the spec file's folder. */
function toUri(s: string, ctx: PlanContext): string {
  // A Windows drive letter looks like a one-letter scheme; it is a path.
  if (SCHEME.test(s) && !/^[A-Za-z]:[\\/]/.test(s)) return s;
  return pathToFileURL(isAbsolute(s) ? s : ctx.resolvePath(s)).href;
}

/**
 * The http backend, running a single attempt, marks its error final ("gave up after 1
 * attempts"); here the invoker owns retries, so the attempt's own error decides.
 */
function attemptError(e: unknown): unknown {
  if (e instanceof FetchError && !e.retriable && e.cause instanceof FetchError && / \(gave up after 1 attempts\)$/.test(e.message)) return e.cause;
  return e;
}
