/**
 * The units the async engine works in: items in, results out, and the pending requests that
 * go into a checkpoint. Kept apart from the engine so operators and the checkpoint code can
 * depend on the shapes without the machinery.
 */

import type { DeadLetter } from "../api/dead-letter.js";
import type { Json } from "../api/stream.js";

/** One unit of work: a record, or one row of an Arrow batch (see `arrow-rows.ts`). */
export interface AsyncItem<In> {
  /** Identifies the record in dead letters and errors (a key column, or source position). */
  key: Json;
  value: In;
  /** Size used for `batch.maxBytes` (an estimate is fine; 0 when bytes do not matter). */
  bytes: number;
}

/** Returned in place of an output to fail that one item; the rest of the micro-batch succeeds. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

/** Marks one item of a micro-batch as failed (partial failure); retried if `error` is retriable. */
export function failItem(error: unknown): ItemFailure {
  return new ItemFailure(error);
}

export interface InvokeContext {
  /** Aborted on timeout (reason: `AsyncTimeoutError`) and on close (reason: `InvokerClosedError`). */
  signal: AbortSignal;
  /** Per input, which attempt this is (1 = first). */
  attempts: readonly number[];
  keys: readonly Json[];
  step: string;
}

/**
 * The user function: one call per micro-batch. Returns one entry per input, in input order — an
 * output, or `failItem(err)` for a partial failure — or throws/rejects to fail the whole call.
 */
export type InvokeFn<In, Out> = (
  inputs: readonly In[],
  ctx: InvokeContext,
) => Promise<readonly (Out | ItemFailure)[]> | readonly (Out | ItemFailure)[];

interface ResultBase<In> {
  /** Submission order, stable across snapshot and restore. */
  seq: number;
  key: Json;
  input: In;
}

/** What `take()` hands the operator: one settled item. */
export type AsyncResult<In, Out> =
  | (ResultBase<In> & { kind: "ok"; output: Out })
  | (ResultBase<In> & { kind: "skipped"; error: unknown })
  | (ResultBase<In> & { kind: "dead-letter"; letter: DeadLetter });

/** Maps values to and from JSON, for values that go into a checkpoint. */
export interface Codec<T> {
  encode(value: T): Json;
  decode(json: Json): T;
}

/**
 * An item accepted but not yet taken, as stored in a checkpoint. JSON throughout; a `type`
 * (not an interface) so it is assignable to `Json` as is.
 */
export type PendingRequest = {
  seq: number;
  key: Json;
  bytes: number;
  /** Attempts that failed so far; an attempt cut short by the snapshot/crash does not count. */
  attempts: number;
  /** The item's value through the input codec. */
  input: Json;
  /** Present when the item had already succeeded and an output codec is configured. */
  output: { value: Json } | null;
};
