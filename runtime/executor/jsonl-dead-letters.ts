/**
 * The dead-letter output as a JSONL file: one rejected record per line, with the step, key,
 * reason and error class. Written to `<path>.partial` and renamed on finish, so a reader never
 * mistakes a crashed run's half-written file for a complete one.
 */

import { mkdir, open, rename, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import { ConnectorError } from "../api/runtime-errors.js";

export class JsonlDeadLetters implements DeadLetterWriter {
  private file: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private written = 0;

  constructor(readonly path: string) {}

  get count(): number {
    return this.written;
  }

  private handle(): Promise<FileHandle> {
    this.opening ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      this.file = await open(`${this.path}.partial`, "w");
      return this.file;
    })();
    return this.opening;
  }

  async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      const f = await this.handle();
      await f.write(letters.map((l) => JSON.stringify(l)).join("\n") + "\n");
      this.written += letters.length;
    } catch (err) {
      throw new ConnectorError(`dead-letter output ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Flushes and publishes the file; with no dead letters, no file is created. */
  async finish(): Promise<void> {
    if (!this.file) return;
    await this.file.sync();
    await this.file.close();
    this.file = undefined;
    await rename(`${this.path}.partial`, this.path);
  }
}
