/**
 * Bad records never stop a job (unless `onError: fail`): they go to a dead-letter output with
 * the step that rejected them and why.
 */

import type { Json } from "./stream.js";

export interface DeadLetter {
  /** The pipeline step that rejected the record, e.g. `decode_image`. */
  step: string;
  /** The record's key (a configured key column, else its source position/row number). */
  key: Json;
  /** One line saying what was wrong, e.g. `corrupt JPEG: premature end of data`. */
  reason: string;
  /** The error class, e.g. `DecodeError`. */
  error: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** A small, JSON-safe excerpt of the input (no large binaries). */
  input?: Json;
}

/** Where dead letters go: a JSONL or Arrow file sink in a job, an array in tests. */
export interface DeadLetterWriter {
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** Number written so far. */
  readonly count: number;
  finish(): Promise<void>;
}
