import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Binary, Field, Float32, RecordBatch, Schema, Utf8, makeVector, vectorFromArray } from "apache-arrow";
import {
  AsyncInvoker,
  arrowBatchFn,
  arrowRowCodec,
  arrowRowItems,
  contiguousSlices,
  rowByteSizes,
  type ArrowRow,
} from "../../../runtime/async/index.js";
import type { Batch } from "../../../runtime/api/stream.js";
import { settleTasks } from "./harness.js";

function ids(n: number, from = 0): Batch {
  const id = makeVector(Int32Array.from({ length: n }, (_, i) => from + i));
  const x = makeVector(Float32Array.from({ length: n }, (_, i) => i / 2));
  return new RecordBatch({ id: id.data[0]!, x: x.data[0]! });
}

describe("arrowRowItems", () => {
  it("keys rows by a key column or by firstKey + row, and references (not copies) the batch", () => {
    const b = ids(3, 40);
    const byColumn = arrowRowItems(b, { keyColumn: "id" });
    expect(byColumn.map((i) => i.key)).toEqual([40, 41, 42]);
    expect(byColumn[1]!.value.batch).toBe(b);
    expect(byColumn[1]!.value.row).toBe(1);
    expect(arrowRowItems(b, { firstKey: 1000 }).map((i) => i.key)).toEqual([1000, 1001, 1002]);
    expect(() => arrowRowItems(b, { keyColumn: "nope" })).toThrow("key column 'nope' is not in the batch");
  });

  it("estimates bytes per row: fixed widths, and exact lengths for binary and strings", () => {
    const blob = vectorFromArray([Uint8Array.of(1, 2, 3), new Uint8Array(100), new Uint8Array(0)], new Binary());
    const name = vectorFromArray(["ab", "", "xyz"], new Utf8());
    const b = new RecordBatch({ id: makeVector(Int32Array.of(1, 2, 3)).data[0]!, blob: blob.data[0]!, name: name.data[0]! });
    expect(Array.from(rowByteSizes(b))).toEqual([4 + 3 + 2, 4 + 100 + 0, 4 + 0 + 3]);
    // A slice keeps per-row sizes (offsets are read relative to the slice).
    expect(Array.from(rowByteSizes(b.slice(1, 3)))).toEqual([104, 7]);
    expect(arrowRowItems(b).map((i) => i.bytes)).toEqual([9, 104, 7]);
  });
});

describe("contiguousSlices", () => {
  it("groups consecutive rows of one batch into one zero-copy slice, and splits across batches and gaps", () => {
    const a = ids(6);
    const b = ids(2, 100);
    const rows: ArrowRow[] = [2, 3, 4].map((row) => ({ batch: a, row }));
    rows.push({ batch: b, row: 0 }, { batch: b, row: 1 }, { batch: a, row: 0 });
    const slices = contiguousSlices(rows);
    expect(slices.map((s) => s.numRows)).toEqual([3, 2, 1]);
    expect(slices.map((s) => Array.from(s.getChild("id")!.toArray()))).toEqual([[2, 3, 4], [100, 101], [0]]);
    expect(slices[1]).toBe(b); // the whole batch: no slice made
    expect(contiguousSlices([])).toEqual([]);
  });
});

describe("arrowRowCodec", () => {
  it("round-trips a row through JSON with its values and field metadata", () => {
    const meta = new Map([["ARROW:extension:name", "sluice.embedding"]]);
    const x = makeVector(Float32Array.of(0.5, 1.5));
    const blob = vectorFromArray([Uint8Array.of(9), Uint8Array.of(7, 8)], new Binary());
    const schema = new Schema([new Field("x", new Float32(), true, meta), new Field("blob", new Binary(), true)]);
    const batch = new RecordBatch({ x: x.data[0]!, blob: blob.data[0]! });
    const withMeta = new RecordBatch(schema, batch.data);
    const json = JSON.parse(JSON.stringify(arrowRowCodec.encode({ batch: withMeta, row: 1 })));
    const back = arrowRowCodec.decode(json);
    expect(back.row).toBe(0);
    expect(back.batch.numRows).toBe(1);
    expect(back.batch.getChild("x")!.get(0)).toBe(1.5);
    expect(Array.from(back.batch.getChild("blob")!.get(0) as Uint8Array)).toEqual([7, 8]);
    expect(back.batch.schema.fields[0]!.metadata.get("ARROW:extension:name")).toBe("sluice.embedding");
    expect(() => arrowRowCodec.decode({ nope: 1 })).toThrow("an Arrow row in a snapshot must be { ipc: base64 }");
  });
});

describe("arrowBatchFn with the invoker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("hands the function slices of the input batch and joins outputs back to rows", async () => {
    const seen: number[][] = [];
    const inv = new AsyncInvoker<ArrowRow, number>({
      step: "double",
      inputCodec: arrowRowCodec,
      config: { batch: { maxRows: 4, maxDelayMs: 0 }, timeoutMs: 0 },
      fn: arrowBatchFn((slices) => {
        seen.push(slices.map((s) => s.numRows));
        return slices.flatMap((s) => Array.from(s.getChild("id")!.toArray() as Int32Array, (v) => v * 2));
      }),
    });
    const batch = ids(6, 10);
    void inv.submitMany(arrowRowItems(batch, { keyColumn: "id" }));
    await inv.drain();
    await settleTasks();
    expect(seen).toEqual([[4], [2]]);
    const out = inv.take();
    expect(out.map((r) => [r.key, r.input.row, r.kind === "ok" ? r.output : null])).toEqual([
      [10, 0, 20],
      [11, 1, 22],
      [12, 2, 24],
      [13, 3, 26],
      [14, 4, 28],
      [15, 5, 30],
    ]);
  });
});
