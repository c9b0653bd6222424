/**
 * Input records a source could not turn into a row (a JSONL line that is not JSON, or does not
 * fit the schema). A source given a handler reports them and goes on; the runtime turns them
 * into dead letters. Replaying from an earlier position reports the same record again, so dead
 * letters from sources are at-least-once.
 */

import type { DeadLetter } from "../../runtime/api/dead-letter.js";

export interface BadRecord {
  /** The source's name, e.g. `jsonl(data/*.jsonl)`. */
  readonly source: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** 1-based line number. */
  readonly line: number;
  /** What was wrong, e.g. `invalid JSON: Unexpected token } in JSON at position 7`. */
  readonly reason: string;
  /** The line's text (the first 1024 characters). */
  readonly text: string;
}

export type BadRecordHandler = (record: BadRecord) => void | Promise<void>;

/** A bad record as a dead letter of `step`, keyed by `path:line`. */
export function badRecordToDeadLetter(record: BadRecord, step: string): DeadLetter {
  return {
    step,
    key: `${record.path}:${record.line}`,
    reason: record.reason,
    error: "RecordError",
    at: new Date().toISOString(),
    input: record.text,
  };
}
