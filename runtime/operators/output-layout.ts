/**
 * The output columns of an op that reads some columns and writes others: kept input columns
 * pass through (zero-copy slices, extension metadata intact), written columns replace an input
 * column of the same name in place or are appended. Fixed at plan time, so building a batch at
 * run time is a few `Data.slice` calls and no schema work.
 */

import { RecordBatch, Schema, Struct, makeData, type Data, type DataType, type Field } from "apache-arrow";
import type { Batch } from "../api/stream.js";

type Slot = { kind: "input"; name: string } | { kind: "output"; index: number };

export class OutputLayout {
  readonly schema: Schema;
  private readonly slots: readonly Slot[];
  private readonly type: Struct;
  private lastInput: Schema | undefined;
  private lastIndices: number[] = [];

  /**
   * @param input the input schema
   * @param outputs the written columns' fields, in order
   * @param keep input columns to pass through (default: all of them); an output of the same name replaces one
   */
  constructor(input: Schema, outputs: readonly Field[], keep?: readonly string[]) {
    const byName = new Map(outputs.map((f, i) => [f.name, i]));
    const fields: Field[] = [];
    const slots: Slot[] = [];
    const placed = new Set<number>();
    const kept = keep === undefined ? input.fields : keep.map((k) => input.fields.find((f) => f.name === k)!).filter(Boolean);
    for (const f of kept) {
      const o = byName.get(f.name);
      if (o === undefined) {
        fields.push(f);
        slots.push({ kind: "input", name: f.name });
      } else {
        fields.push(outputs[o]!);
        slots.push({ kind: "output", index: o });
        placed.add(o);
      }
    }
    outputs.forEach((f, i) => {
      if (placed.has(i)) return;
      fields.push(f);
      slots.push({ kind: "output", index: i });
    });
    this.schema = new Schema(fields, input.metadata);
    this.slots = slots;
    this.type = new Struct(fields);
  }

  /** Rows `start … start + count - 1` of `batch` with the written columns `outputs` (each `count` long). */
  build(batch: Batch, start: number, count: number, outputs: readonly Data[]): Batch {
    const indices = this.inputIndices(batch.schema);
    const whole = start === 0 && count === batch.numRows;
    const children: Data[] = this.slots.map((s, i) => {
      if (s.kind === "output") return outputs[s.index]!;
      const d = batch.data.children[indices[i]!]!;
      return whole ? d : d.slice(start, count);
    });
    return new RecordBatch(this.schema, makeData({ type: this.type, length: count, children: children as Data<DataType>[], nullCount: 0 }));
  }

  /** Where each passed-through column sits in the batch (batches may order columns differently). */
  private inputIndices(schema: Schema): number[] {
    if (schema === this.lastInput) return this.lastIndices;
    const names = schema.fields.map((f) => f.name);
    this.lastIndices = this.slots.map((s) => {
      if (s.kind === "output") return -1;
      const i = names.indexOf(s.name);
      if (i < 0) throw new Error(`column '${s.name}' is missing from a batch (columns: ${names.join(", ")})`);
      return i;
    });
    this.lastInput = schema;
    return this.lastIndices;
  }
}
