import { Table, tableFromIPC, tableToIPC, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { packBatch, unpackBatch, type TransferStats } from "../../../runtime/executor/batch-transfer.js";
import { columnOf, fixedShapeTensorColumn, fixedShapeTensorAsTensor, recordBatchFromColumns } from "../../../runtime/types/index.js";
import { decodedImageColumn, decodedImageAt } from "../../../runtime/types/image-decoded.js";

function send(batch: RecordBatch, stats?: TransferStats): RecordBatch {
  const { message, transfer } = packBatch(batch, stats);
  // structuredClone with a transfer list is exactly what postMessage does.
  return unpackBatch(structuredClone(message, { transfer }));
}

function multimodalBatch(): RecordBatch {
  const t = fixedShapeTensorColumn("emb", tensor("f32", [3, 2, 2], Float32Array.from({ length: 12 }, (_, i) => i / 2)));
  const img = decodedImageColumn("img", [
    { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3, mode: "RGB" },
    null,
    { data: new Uint8Array([9]), width: 1, height: 1, channels: 1, mode: "L" },
  ]);
  return recordBatchFromColumns([t, img]);
}

describe("batch transfer to another thread", () => {
  it("rebuilds multimodal columns with their extension metadata and nulls", () => {
    const b = multimodalBatch();
    const r = send(b);
    expect(r.numRows).toBe(3);
    expect(r.schema.fields.map((f) => f.name)).toEqual(["emb", "img"]);
    expect(r.schema.fields[0]!.metadata.get("ARROW:extension:name")).toBe("arrow.fixed_shape_tensor");
    const t = fixedShapeTensorAsTensor(columnOf(r, "emb"));
    expect([...t.shape]).toEqual([3, 2, 2]);
    expect([...t.data]).toEqual(Array.from({ length: 12 }, (_, i) => i / 2));
    expect(decodedImageAt(columnOf(r, "img"), 1)).toBeNull();
    expect([...decodedImageAt(columnOf(r, "img"), 0)!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(decodedImageAt(columnOf(r, "img"), 2)!.mode).toBe("L");
  });

  it("transfers exclusively owned buffers (the sender's copy is detached: no copy was made)", () => {
    const data = new Float32Array(1 << 16).map((_, i) => i);
    const b = recordBatchFromColumns([fixedShapeTensorColumn("x", tensor("f32", [1 << 14, 4], data))]);
    const stats: TransferStats = { transferredBytes: 0, copiedBytes: 0 };
    const r = send(b, stats);
    expect(data.byteLength).toBe(0);
    expect(stats.copiedBytes).toBe(0);
    expect(stats.transferredBytes).toBeGreaterThanOrEqual(4 << 16);
    expect(fixedShapeTensorAsTensor(columnOf(r, "x")).data[12345]).toBe(12345);
  });

  it("copies views into a shared buffer instead of detaching what other batches still use", () => {
    const table = tableFromIPC(tableToIPC(new Table(recordBatchFromColumns([fixedShapeTensorColumn("x", tensor("f32", [64, 4], Float32Array.from({ length: 256 }, (_, i) => i)))]))));
    const b = table.batches[0]!;
    const backing = (b.data.children[0]!.children[0]!.values as Float32Array).buffer;
    const size = backing.byteLength;
    const stats: TransferStats = { transferredBytes: 0, copiedBytes: 0 };
    const r = send(b, stats);
    expect(backing.byteLength).toBe(size);
    expect(stats.copiedBytes).toBeGreaterThan(0);
    expect([...fixedShapeTensorAsTensor(columnOf(r, "x")).data.slice(250)]).toEqual([250, 251, 252, 253, 254, 255]);
    expect([...fixedShapeTensorAsTensor(columnOf(b, "x")).data.slice(250)]).toEqual([250, 251, 252, 253, 254, 255]);
  });

  it("handles strings, dictionaries and nulls", async () => {
    const { tableFromArrays } = await import("apache-arrow");
    const t = tableFromArrays({ n: new Int32Array([1, 2, 3]), s: ["x", "yy", "x"] });
    const r = send(t.batches[0]!);
    expect(r.toArray().map((row) => row.toJSON())).toEqual([{ n: 1, s: "x" }, { n: 2, s: "yy" }, { n: 3, s: "x" }]);
  });
});
