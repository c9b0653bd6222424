/**
 * Pending requests in and out of a checkpoint: encoding an accepted item (and its output, when it
 * already succeeded) through the invoker's codecs, and checking what `restore` is given — it
 * comes from a checkpoint file, which may be corrupt, foreign, or from another version, so every
 * field is verified and a bad one is named, never guessed at.
 */

import type { Json } from "../api/stream.js";
import { AsyncStateError, describeError } from "./async-errors.js";
import type { Codec, PendingRequest } from "./async-types.js";

/** The invoker's codecs; without one, values are JSON already. */
export interface PendingCodecs<In, Out> {
  input: Codec<In> | undefined;
  output: Codec<Out> | undefined;
}

/** One accepted item as stored in a checkpoint; `done` holds its output when it already succeeded. */
export function encodePending<In, Out>(
  item: { seq: number; key: Json; bytes: number; attempts: number; value: In },
  done: { output: Out } | undefined,
  codecs: PendingCodecs<In, Out>,
): PendingRequest {
  return {
    seq: item.seq,
    key: item.key,
    bytes: item.bytes,
    attempts: item.attempts,
    input: codecs.input ? codecs.input.encode(item.value) : (item.value as Json),
    output: done && codecs.output ? { value: codecs.output.encode(done.output) } : null,
  };
}

/**
 * A checked pending request's input (and output, when stored and an output codec exists) back as
 * values. @throws AsyncStateError naming the request when a value does not decode.
 */
export function decodePending<In, Out>(step: string, r: PendingRequest, codecs: PendingCodecs<In, Out>): { value: In; output?: { value: Out } } {
  const decode = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw new AsyncStateError(step, `cannot restore pending request seq ${r.seq} (key ${JSON.stringify(r.key)}): its ${what} does not decode: ${describeError(error).message}`);
    }
  };
  const value = decode("input", () => (codecs.input ? codecs.input.decode(r.input) : (r.input as In)));
  const out = codecs.output;
  if (!r.output || !out) return { value };
  const stored = r.output.value;
  return { value, output: { value: decode("output", () => out.decode(stored)) } };
}

/** @throws AsyncStateError naming the first malformed entry and field. */
export function parsePendingRequests(step: string, value: unknown): PendingRequest[] {
  const bad = (detail: string) => new AsyncStateError(step, `cannot restore pending requests: ${detail}`);
  if (!Array.isArray(value)) throw bad(`expected an array, got ${value === null ? "null" : typeof value}`);
  const seen = new Set<number>();
  return value.map((raw: unknown, i): PendingRequest => {
    const at = `pending[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(`${at} is not an object`);
    const r = raw as Record<string, unknown>;
    const seq = r.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) throw bad(`${at}.seq must be a non-negative integer`);
    if (seen.has(seq)) throw bad(`${at}.seq ${seq} appears twice`);
    seen.add(seq);
    if (!("key" in r) || r.key === undefined) throw bad(`${at}.key is missing`);
    if (typeof r.bytes !== "number" || !(r.bytes >= 0)) throw bad(`${at}.bytes must be a number ≥ 0`);
    if (typeof r.attempts !== "number" || !Number.isSafeInteger(r.attempts) || r.attempts < 0) {
      throw bad(`${at}.attempts must be a non-negative integer`);
    }
    if (!("input" in r) || r.input === undefined) throw bad(`${at}.input is missing`);
    const output = r.output ?? null;
    if (output !== null && (typeof output !== "object" || Array.isArray(output) || !("value" in output))) {
      throw bad(`${at}.output must be null or { value }`);
    }
    return {
      seq,
      key: r.key as Json,
      bytes: r.bytes,
      attempts: r.attempts,
      input: r.input as Json,
      output: output as { value: Json } | null,
    };
  });
}
