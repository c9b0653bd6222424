/**
 * The dead-letter output as an Arrow IPC file (columns step, key, reason, error, at, input; key
 * and input as JSON text), for pipelines whose outputs are read by Arrow tools. Letters are
 * buffered in memory — they are few by nature — and the file is written once, to
 * `<path>.partial` then renamed, so a reader never sees a half-written file.
 */

import { mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { Table, tableToIPC, vectorFromArray, Utf8 } from "apache-arrow";
import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import { ConnectorError } from "../api/runtime-errors.js";

export class ArrowDeadLetters implements DeadLetterWriter {
  private readonly letters: DeadLetter[] = [];

  constructor(readonly path: string) {}

  get count(): number {
    return this.letters.length;
  }

  async write(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }

  /** The letters as an Arrow table (also what `finish` writes). */
  toTable(): Table {
    return deadLetterTable(this.letters);
  }

  /** Writes and publishes the file; with no dead letters, no file is created. */
  async finish(): Promise<void> {
    if (this.letters.length === 0) return;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const f = await open(`${this.path}.partial`, "w");
      try {
        await f.write(tableToIPC(this.toTable(), "file"));
        await f.sync();
      } finally {
        await f.close();
      }
      await rename(`${this.path}.partial`, this.path);
    } catch (err) {
      throw new ConnectorError(`dead-letter output ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Dead letters as an Arrow table: columns step, key, reason, error, at, input (key and input as JSON text). */
export function deadLetterTable(letters: readonly DeadLetter[]): Table {
  const col = (f: (l: DeadLetter) => string | null) => vectorFromArray(letters.map(f), new Utf8());
  return new Table({
    step: col((l) => l.step),
    key: col((l) => JSON.stringify(l.key)),
    reason: col((l) => l.reason),
    error: col((l) => l.error),
    at: col((l) => l.at),
    input: col((l) => (l.input === undefined ? null : JSON.stringify(l.input))),
  });
}
