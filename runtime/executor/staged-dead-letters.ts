/**
 * Dead letters under checkpoints. A region that restarts replays its input from the last
 * checkpoint and rejects the same bad records again, so dead letters must be exactly-once like
 * the output: they go through the same two-phase-commit file sink (JSON Lines parts in a
 * (or Arrow) parts in a directory, one part sequence per region), sealed at each barrier and published with the
 * checkpoint. Lines hold the same fields as the plain JSONL dead-letter file, `key` and `input`
 * as JSON values.
 */

import { Field, RecordBatch, Schema, Utf8 } from "apache-arrow";
import { JSON_TEXT_KEY, JSON_TEXT_VALUE } from "../../connectors/json/json-infer.js";
import type { PartFormat } from "../../connectors/sinks/part-writer.js";
import { StagedFileSink } from "../../connectors/sinks/staged-file-sink.js";
import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import type { SinkCommittable } from "../api/sink.js";
import { deadLetterTable } from "./arrow-dead-letters.js";

const jsonText = new Map([[JSON_TEXT_KEY, JSON_TEXT_VALUE]]);
const SCHEMA = new Schema([
  new Field("step", new Utf8(), false),
  new Field("key", new Utf8(), true, jsonText),
  new Field("reason", new Utf8(), false),
  new Field("error", new Utf8(), false),
  new Field("at", new Utf8(), false),
  new Field("input", new Utf8(), true, jsonText),
]);

export class StagedDeadLetters implements DeadLetterWriter {
  private readonly sink: StagedFileSink;
  private opened: Promise<void> | undefined;
  private written = 0;

  /** `dir`: the dead-letter directory; `subtask`: this region's index (its part numbers); `format`: JSONL or Arrow parts. */
  constructor(
    readonly dir: string,
    private readonly jobId: string,
    private readonly subtask: number,
    format: PartFormat,
  ) {
    // No letters, no file: an empty part per region and run would only be noise.
    this.sink = new StagedFileSink(format, dir, { emptyPart: false });
  }

  get count(): number {
    return this.written;
  }

  private open(): Promise<void> {
    this.opened ??= this.sink.open(SCHEMA, { jobId: this.jobId, subtask: this.subtask });
    return this.opened;
  }

  async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.open();
    for (const b of deadLetterTable(letters).batches) await this.sink.write(new RecordBatch(SCHEMA, b.data));
    this.written += letters.length;
  }

  /**
   * Seals the letters written since the last barrier. Always a committable, even with no letters:
   * it records the part numbers, which a rollback to this checkpoint needs.
   */
  async prepareCommit(checkpointId: number): Promise<SinkCommittable> {
    await this.open();
    return this.sink.prepareCommit(checkpointId);
  }

  /** Removes letters committed after `c` (see `StagedFileSink.rollback`); returns the parts removed. */
  async rollback(c: SinkCommittable): Promise<string[]> {
    return this.sink.rollback(c);
  }

  /** Publishes a sealed committable; idempotent (recovery repeats it). */
  async commit(c: SinkCommittable): Promise<void> {
    if (c !== null) await this.sink.commit(c);
  }

  /** End of input: everything was committed with the final checkpoint; clears staging. */
  async finish(): Promise<void> {
    if (this.opened === undefined) return;
    await this.opened;
    await this.sink.finish();
  }

  async close(): Promise<void> {
    await this.sink.close();
  }
}
