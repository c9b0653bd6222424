import { Binary, Field, Float64, Int32, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { fixedShapeTensorAsTensor, fixedShapeTensorColumn, recordBatchFromColumns, columnOf, type ExtensionColumn } from "../../../runtime/types/index.js";
import { takeRows } from "../../../runtime/types/take-rows.js";

function col(name: string, values: unknown[], type: ConstructorParameters<typeof Field>[1]): ExtensionColumn {
  return { field: new Field(name, type, true), vector: vectorFromArray(values as never, type) } as ExtensionColumn;
}

describe("takeRows", () => {
  const n = 7;
  const tensor = fixedShapeTensorColumn("t", { dtype: "f32", shape: [n, 2, 3], data: Float32Array.from({ length: n * 6 }, (_, i) => i) });
  const batch = recordBatchFromColumns([
    col("i", [0, 1, null, 3, 4, 5, 6], new Int32()),
    col("f", [0.5, 1.5, 2.5, 3.5, null, 5.5, 6.5], new Float64()),
    col("s", ["a", "bb", null, "dddd", "e", "", "g"], new Utf8()),
    col("b", [new Uint8Array([1]), null, new Uint8Array([3, 3]), new Uint8Array(), new Uint8Array([5]), new Uint8Array([6]), new Uint8Array([7])], new Binary()),
    tensor,
  ]);

  it("gathers every column type in the given order, keeping nulls and extension metadata", () => {
    const rows = [6, 2, 4, 0];
    const out = takeRows(batch, rows);
    expect(out.numRows).toBe(4);
    expect([...out.getChild("i")!]).toEqual([6, null, 4, 0]);
    expect([...out.getChild("f")!]).toEqual([6.5, 2.5, null, 0.5]);
    expect([...out.getChild("s")!]).toEqual(["g", null, "e", "a"]);
    expect([...out.getChild("b")!].map((x) => (x ? [...(x as Uint8Array)] : null))).toEqual([[7], [3, 3], [5], [1]]);
    const t = fixedShapeTensorAsTensor(columnOf(out, "t"));
    expect(t.shape).toEqual([4, 2, 3]);
    expect([...t.data.subarray(0, 6)]).toEqual([36, 37, 38, 39, 40, 41]);
    expect([...t.data.subarray(18, 24)]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.schema.fields[4]!.metadata.get("ARROW:extension:name")).toBe("arrow.fixed_shape_tensor");
  });

  it("works on a sliced batch (non-zero offsets) and returns the same batch for the identity", () => {
    const sliced = batch.slice(2, 6);
    const out = takeRows(sliced, [3, 0]);
    expect([...out.getChild("s")!]).toEqual(["", null]);
    expect([...fixedShapeTensorAsTensor(columnOf(out, "t")).data.subarray(0, 6)]).toEqual([30, 31, 32, 33, 34, 35]);
    expect(takeRows(batch, [0, 1, 2, 3, 4, 5, 6])).toBe(batch);
    expect(takeRows(batch, []).numRows).toBe(0);
  });
});
