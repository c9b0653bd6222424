/**
 * The fetch built-in: materialize a batch of object references with one result per item, so one
 * missing or broken object becomes one dead letter instead of a failed batch.
 */

import { SluiceError } from "../../kernels/errors.js";
import { FetchError, RecordError } from "../api/runtime-errors.js";
import { ConcurrencyLimit } from "../objects/concurrency-limit.js";
import type { ObjectStore } from "../objects/object-store.js";
import type { ObjectRefLike } from "../objects/object-uri.js";

export type FetchResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: SluiceError };

export interface FetchObjectsOptions {
  /**
   * Items read at once by this call. The store's backends have their own bounds (http
   * connections); this one keeps file handles and pending promises in check. Default 16.
   */
  readonly concurrency?: number;
  /** Aborting fails the items not yet fetched with the abort reason. */
  readonly signal?: AbortSignal;
}

/** Fetches every reference (null/undefined rows give a RecordError result); results keep input order. */
export async function fetchObjects(
  refs: ReadonlyArray<ObjectRefLike | null | undefined>,
  store: ObjectStore,
  options: FetchObjectsOptions = {},
): Promise<FetchResult[]> {
  const limit = new ConcurrencyLimit(options.concurrency ?? 16);
  return Promise.all(
    refs.map((ref, row) =>
      ref === null || ref === undefined
        ? Promise.resolve<FetchResult>({ ok: false, error: new RecordError(`fetch: row ${row} has no object reference`, { step: "fetch" }) })
        : limit.run(async (): Promise<FetchResult> => {
            try {
              return { ok: true, bytes: await store.get(ref, { signal: options.signal }) };
            } catch (err) {
              return { ok: false, error: asSluiceError(err) };
            }
          }),
    ),
  );
}

/** Fetches one reference, throwing its FetchError: the per-record form. */
export function fetchObject(ref: ObjectRefLike, store: ObjectStore, options: Pick<FetchObjectsOptions, "signal"> = {}): Promise<Uint8Array> {
  return store.get(ref, options);
}

function asSluiceError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FetchError(`fetch: ${message}`, { cause: err, step: "fetch" });
}
