/**
 * Errors of the async invocation engine. A timeout is retriable by definition; everything else
 * is retriable only when the thrown error says so (`retriable === true`, the `SluiceError`
 * convention), because retrying a deterministic failure just burns attempts.
 */

import { SluiceError } from "../../kernels/errors.js";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Json } from "../api/stream.js";

/** A call ran past `timeoutMs`; its signal was aborted with this error. Retriable. */
export class AsyncTimeoutError extends SluiceError {
  readonly timeoutMs: number;

  constructor(step: string, timeoutMs: number) {
    super(`step '${step}': call timed out after ${timeoutMs} ms`, { retriable: true, step });
    this.timeoutMs = timeoutMs;
  }
}

/** The invoker was closed: in-flight calls are aborted with it and waiting submits reject with it. */
export class InvokerClosedError extends SluiceError {
  constructor(step: string) {
    super(`step '${step}': async invoker closed`, { step });
  }
}

/** A record failed for good under `onError: 'fail'`: the job fails with this, naming step, record and cause. */
export class AsyncInvokeError extends SluiceError {
  readonly key: Json;
  readonly attempts: number;

  constructor(step: string, key: Json, attempts: number, cause: unknown) {
    const { name, message } = describeError(cause);
    super(`step '${step}' failed on record ${JSON.stringify(key)} after ${attempts} attempt(s): ${name}: ${message}`, {
      step,
      cause,
    });
    this.key = key;
    this.attempts = attempts;
  }
}

/** The user function broke its contract (not an array, wrong length). Never retriable. */
export class AsyncContractError extends SluiceError {
  constructor(step: string, detail: string) {
    super(`step '${step}': ${detail}`, { step });
  }
}

/** `restore` was given something that is not this engine's snapshot, or was called too late. */
export class AsyncStateError extends SluiceError {
  constructor(step: string, detail: string) {
    super(`step '${step}': ${detail}`, { step });
  }
}

/** Whether another attempt may succeed: timeouts, and errors flagged `retriable: true`. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof AsyncTimeoutError) return true;
  return typeof error === "object" && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** The class name and a one-line message of anything thrown, for dead letters and errors. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    return { name: error.name || error.constructor.name, message: firstLine(error.message) };
  }
  return { name: typeof error, message: firstLine(String(error)) };
}

function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : `${s.slice(0, i)} …`;
}

/** The dead letter of an item that failed for good: the reason says how many attempts it took. */
export function deadLetterFor(step: string, key: Json, attempts: number, error: unknown, input?: Json): DeadLetter {
  const { name, message } = describeError(error);
  const letter: DeadLetter = { step, key, reason: attempts > 1 ? `after ${attempts} attempts: ${message}` : message, error: name, at: new Date().toISOString() };
  if (input !== undefined) letter.input = input;
  return letter;
}
