/**
 * The output columns of an op that reads some columns and writes others: kept input columns
 * pass through (zero-copy slices, extension metadata intact), written columns replace an input
 * column of the same name in place or are appended. Fixed at plan time, so building a batch at
 * run time is a few `Data.slice` calls and no schema work.
 */

import { Data, RecordBatch, Schema, Struct, type DataType, type Field } from "apache-arrow";
import type { Batch } from "../api/stream.js";

const NO_NULLS = new Uint8Array(0);

/**
 * `new RecordBatch(schema, data, metadata)` without the constructor's re-validation (it rebuilds the
 * schema and the struct Data on every call: about 2 µs, as much as the rest of an inference
 * call's bookkeeping). Only for data built here, whose children already match the schema. It
 * sets the fields the constructor sets; a check at load time falls back to the constructor if
 * apache-arrow ever stores anything else.
 */
const recordBatchOf: (schema: Schema, data: Data<Struct>, metadata: Map<string, string>) => RecordBatch = (() => {
  const viaConstructor = (schema: Schema, data: Data<Struct>, metadata: Map<string, string>): RecordBatch => new RecordBatch(schema, data, metadata);
  // Plain stores rather than Object.assign of a literal: no temporary object per batch.
  const direct = (schema: Schema, data: Data<Struct>, metadata: Map<string, string>): RecordBatch => {
    const b = Object.create(RecordBatch.prototype) as { schema: Schema; data: Data<Struct>; _metadata: Map<string, string> };
    b.schema = schema;
    b.data = data;
    b._metadata = metadata;
    return b as unknown as RecordBatch;
  };
  const probe = new Schema([]);
  const probeData = new Data(new Struct([]), 0, 0, 0, [undefined, undefined, NO_NULLS], []);
  const a = viaConstructor(probe, probeData, new Map());
  const b = direct(probe, probeData, new Map());
  const same = Object.keys(a).join() === Object.keys(b).join() && b instanceof RecordBatch && b.numRows === 0 && b.numCols === 0;
  return same ? direct : viaConstructor;
})();

type Slot = { kind: "input"; name: string } | { kind: "output"; index: number };

export class OutputLayout {
  readonly schema: Schema;
  private readonly slots: readonly Slot[];
  /** The struct Data's constant buffers (no nulls): copied by the Data constructor, see `build`. */
  private readonly structTemplate: Data<Struct>;
  /** The written columns, in order, are the whole output: `build` uses them as the children as they are. */
  private readonly outputsOnly: boolean;
  /**
   * The (empty) custom metadata of every batch built here, one Map for all: apache-arrow shares a
   * batch's metadata Map with its slices the same way, and a Map per batch cost as much as a Data.
   */
  private readonly metadata = new Map<string, string>();
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
    this.structTemplate = new Data(new Struct(fields), 0, 0, 0, [undefined, undefined, NO_NULLS], []);
    this.outputsOnly = slots.every((s, i) => s.kind === "output" && s.index === i);
  }

  /**
   * Rows `start … start + count - 1` of `batch` with the written columns `outputs` (each `count`
   * long). `outputs` may become the new batch's children array as it is: pass a fresh array.
   */
  build(batch: Batch, start: number, count: number, outputs: readonly Data[]): Batch {
    let children: readonly Data[];
    if (this.outputsOnly) {
      children = outputs;
    } else {
      const indices = this.inputIndices(batch.schema);
      const whole = start === 0 && count === batch.numRows;
      const all: Data[] = new Array(this.slots.length);
      for (let i = 0; i < this.slots.length; i++) {
        const s = this.slots[i]!;
        if (s.kind === "output") {
          all[i] = outputs[s.index]!;
        } else {
          const d = batch.data.children[indices[i]!]!;
          all[i] = whole ? d : d.slice(start, count);
        }
      }
      children = all;
    }
    // The Data constructor directly: makeData's visitor dispatch costs more than the rest of a
    // small call. Given a Data as its buffers it copies them (apache-arrow's clone path): no
    // buffers array or stride lookup per batch.
    const t = this.structTemplate;
    return recordBatchOf(this.schema, new Data(t.type, 0, count, 0, t, children as Data<DataType>[]), this.metadata);
  }

  /** Where each passed-through column sits in the batch (batches may order columns differently). */
  private inputIndices(schema: Schema): number[] {
    // Each batch usually brings its own Schema object with the same columns: check, don't rebuild.
    if (schema !== this.lastInput && !(this.lastInput && sameNames(schema, this.lastInput))) {
      const names = schema.fields.map((f) => f.name);
      this.lastIndices = this.slots.map((s) => {
        if (s.kind === "output") return -1;
        const i = names.indexOf(s.name);
        if (i < 0) throw new Error(`column '${s.name}' is missing from a batch (columns: ${names.join(", ")})`);
        return i;
      });
    }
    this.lastInput = schema;
    return this.lastIndices;
  }
}

function sameNames(a: Schema, b: Schema): boolean {
  const fa = a.fields, fb = b.fields;
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (fa[i]!.name !== fb[i]!.name) return false;
  return true;
}
