import { describe, expect, it } from "vitest";
import { Field, FixedSizeList, Float32, Int32, Int64, List, Struct, makeData, makeVector } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  ExtensionMetadataError,
  columnOf,
  isVariableShapeTensorField,
  recordBatchFromColumns,
  tableFromColumns,
  variableShapeTensorColumn,
  variableShapeTensorField,
  variableShapeTensorInfo,
  variableShapeTensorRow,
  variableShapeTensorRows,
} from "../../../runtime/types/index.js";
import { tensor } from "../../../kernels/tensor.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

const rows = [
  tensor("f32", [2, 3], [1, 2, 3, 4, 5, 6]),
  null,
  tensor("f32", [1, 3], [7, 8, 9]),
  tensor("f32", [0, 3]),
];

function fieldWith(metadata: string | undefined, type: Struct): Field {
  const md = new Map([[EXTENSION_NAME_KEY, "arrow.variable_shape_tensor"]]);
  if (metadata !== undefined) md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field("v", type, true, md);
}

const storage = (ndim: number, data = new Float32()): Struct =>
  new Struct([
    new Field("data", new List(new Field("item", data, false)), true),
    new Field("shape", new FixedSizeList(ndim, new Field("item", new Int32(), false)), true),
  ]);

describe("arrow.variable_shape_tensor", () => {
  it("builds the canonical storage and round-trips shapes and values", () => {
    const col = variableShapeTensorColumn("v", "f32", rows);
    expect(String(col.field.type)).toBe("Struct<{data:List<Float32>, shape:FixedSizeList[2]<Int32>}>");
    expect(col.field.metadata.get(EXTENSION_NAME_KEY)).toBe("arrow.variable_shape_tensor");
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe("{}");
    expect(isVariableShapeTensorField(col.field)).toBe(true);
    expect(col.vector.nullCount).toBe(1);
    const back = variableShapeTensorRows(col);
    expect(back.map((r) => r?.shape ?? null)).toEqual([[2, 3], null, [1, 3], [0, 3]]);
    expect(back.map((r) => (r ? [...r.data] : null))).toEqual([[1, 2, 3, 4, 5, 6], null, [7, 8, 9], []]);
  });

  it("row views alias the one values buffer", () => {
    const col = variableShapeTensorColumn("v", "f32", rows);
    const r0 = variableShapeTensorRow(col, 0)!;
    const r2 = variableShapeTensorRow(col, 2)!;
    expect(r2.data.buffer).toBe(r0.data.buffer);
    expect(r2.data.byteOffset).toBe(r0.data.byteOffset + 6 * 4);
    expect(variableShapeTensorRow(col, 1)).toBeNull();
    // Writing through the view shows in Arrow's own accessor: the same memory.
    (r2.data as Float32Array)[0] = 70;
    expect(col.vector.get(2)!.toJSON()["data"]!.get(0)).toBe(70);
  });

  it("writes dim_names, permutation and uniform_shape with nulls for variable dims", () => {
    const col = variableShapeTensorColumn("v", "u8", [tensor("u8", [4, 2, 3]), tensor("u8", [5, 1, 3])], {
      dimNames: ["H", "W", "C"],
      permutation: [2, 0, 1],
      uniformShape: [null, null, 3],
    });
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"permutation":[2,0,1],"dim_names":["H","W","C"],"uniform_shape":[null,null,3]}');
    expect(variableShapeTensorInfo(col.field)).toEqual({
      dtype: "u8",
      ndim: 3,
      dimNames: ["H", "W", "C"],
      permutation: [2, 0, 1],
      uniformShape: [null, null, 3],
    });
  });

  it("accepts the spec's minimal metadata, an empty string", () => {
    expect(variableShapeTensorInfo(fieldWith("", storage(2)))).toEqual({ dtype: "f32", ndim: 2 });
  });

  it("handles i32 and i64 rows and rows given as plain arrays", () => {
    const i32 = variableShapeTensorColumn("a", "i32", [{ shape: [3], data: [1, -2, 3] }]);
    expect(variableShapeTensorRow(i32, 0)!.data).toEqual(Int32Array.of(1, -2, 3));
    const i64 = variableShapeTensorColumn("b", "i64", [{ shape: [1, 2], data: [5n, 6n] }, null]);
    const r = variableShapeTensorRow(i64, 0)!;
    expect(r.dtype).toBe("i64");
    expect([...r.data]).toEqual([5n, 6n]);
  });

  it("reads rows across chunks of a table", () => {
    const a = variableShapeTensorColumn("v", "f32", rows.slice(0, 2), { ndim: 2 });
    const b = variableShapeTensorColumn("v", "f32", rows.slice(2), { ndim: 2 });
    const table = tableFromColumns([a]).concat(tableFromColumns([b]));
    const col = columnOf(table, "v");
    expect(col.vector.data.length).toBe(2);
    expect([...variableShapeTensorRow(col, 2)!.data]).toEqual([7, 8, 9]);
    expect(variableShapeTensorRows(col).map((r) => r?.shape ?? null)).toEqual([[2, 3], null, [1, 3], [0, 3]]);
  });

  it("reads a sliced column", () => {
    const col = variableShapeTensorColumn("v", "f32", rows);
    const sliced = { field: col.field, vector: col.vector.slice(2, 3) };
    expect([...variableShapeTensorRow(sliced, 0)!.data]).toEqual([7, 8, 9]);
  });

  describe("validation", () => {
    it("rejects rows whose data length is not prod(shape), or of the wrong rank", () => {
      expect(() => variableShapeTensorColumn("v", "f32", [{ shape: [2, 2], data: [1, 2, 3] }])).toThrow(
        /column 'v': row 0 data length: expected 4 \(prod of shape \[2,2\]\), got 3/,
      );
      expect(() => variableShapeTensorColumn("v", "f32", [tensor("f32", [2, 2]), tensor("f32", [4])])).toThrow(
        /column 'v': row 1 rank: expected 2, got 1 \(shape \[4\]\)/,
      );
      expect(() => variableShapeTensorColumn("v", "f32", [{ shape: [-1, 2], data: [] }])).toThrow(
        /"row 0 shape"\[0\] a non-negative integer, got -1/,
      );
      expect(() => variableShapeTensorColumn("v", "f32", [{ shape: [2], data: Int32Array.of(1, 2) }])).toThrow(
        /column 'v': row 0 element type: expected f32, got i32/,
      );
      expect(() => variableShapeTensorColumn("v", "f32", [null])).toThrow(/column 'v': ndim: expected options.ndim/);
    });

    it("rejects rows that break uniform_shape", () => {
      expect(() =>
        variableShapeTensorColumn("v", "u8", [tensor("u8", [2, 3]), tensor("u8", [2, 4])], { uniformShape: [null, 3] }),
      ).toThrow(/column 'v': row 1 shape: expected dimension 1 = 3 per uniform_shape \[null,3\], got \[2,4\]/);
    });

    it("rejects bad metadata: invalid JSON, bad permutation, wrong-length dim_names or uniform_shape", () => {
      expect(() => variableShapeTensorInfo(fieldWith("{", storage(2)))).toThrow(/column 'v': arrow.variable_shape_tensor metadata: expected valid JSON/);
      expect(() => variableShapeTensorInfo(fieldWith('{"permutation":[1,1]}', storage(2)))).toThrow(
        /expected "permutation" as a permutation of \[0..1\], got \[1,1\]/,
      );
      expect(() => variableShapeTensorInfo(fieldWith('{"dim_names":["a","b","c"]}', storage(2)))).toThrow(/expected 2 "dim_names"/);
      expect(() => variableShapeTensorInfo(fieldWith('{"uniform_shape":[2,-1]}', storage(2)))).toThrow(ExtensionMetadataError);
      expect(() => variableShapeTensorField("v", "f32", 2, { uniformShape: [3] })).toThrow(/expected 2 "uniform_shape" entries/);
    });

    it("rejects the wrong storage", () => {
      expect(() => variableShapeTensorInfo(fieldWith("{}", new Int32() as never))).toThrow(
        /column 'v': storage type: expected Struct<data: List<numeric>, shape: FixedSizeList<Int32>\[ndim\]>, got Int32/,
      );
      const badShape = new Struct([
        new Field("data", new List(new Field("item", new Float32())), true),
        new Field("shape", new FixedSizeList(2, new Field("item", new Int64())), true),
      ]);
      expect(() => variableShapeTensorInfo(fieldWith("{}", badShape))).toThrow(/'shape' child type: expected FixedSizeList<Int32>\[ndim\]/);
      const swapped = new Struct([badShape.children[1]!, badShape.children[0]!]);
      expect(() => variableShapeTensorInfo(fieldWith("{}", swapped))).toThrow(/storage child names: expected \[data, shape\], got \[shape, data\]/);
    });

    it("rejects stored data whose shape disagrees with its length when read", () => {
      // Hand-assembled storage: row 0 says [2, 2] but holds 3 values.
      const type = storage(2);
      const list = makeData({
        type: type.children[0]!.type as List<Float32>,
        valueOffsets: Int32Array.of(0, 3),
        child: makeData({ type: new Float32(), data: Float32Array.of(1, 2, 3) }),
      });
      const shape = makeData({
        type: type.children[1]!.type as FixedSizeList<Int32>,
        length: 1,
        child: makeData({ type: new Int32(), data: Int32Array.of(2, 2) }),
      });
      const field = fieldWith("{}", type);
      const vector = makeVector(makeData({ type, length: 1, children: [list, shape] }));
      expect(() => variableShapeTensorRow({ field, vector }, 0)).toThrow(/column 'v': row 0 data length: expected 4 \(prod of shape \[2,2\]\), got 3/);
    });
  });

  describe.each(IPC_FORMATS)("IPC %s round trip", (format) => {
    it("keeps metadata, nested child fields, values and nulls", () => {
      const col = variableShapeTensorColumn("v", "f32", rows, { dimNames: ["H", "W"], uniformShape: [null, 3] });
      const { table, bytes } = ipcRoundTrip(recordBatchFromColumns([col]), format);
      const back = columnOf(table, "v");
      expect(back.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"dim_names":["H","W"],"uniform_shape":[null,3]}');
      expect(variableShapeTensorInfo(back.field)).toEqual({ dtype: "f32", ndim: 2, dimNames: ["H", "W"], uniformShape: [null, 3] });
      const got = variableShapeTensorRows(back);
      expect(got.map((r) => r?.shape ?? null)).toEqual([[2, 3], null, [1, 3], [0, 3]]);
      expect(got.map((r) => (r ? [...r.data] : null))).toEqual([[1, 2, 3, 4, 5, 6], null, [7, 8, 9], []]);
      expect(got[0]!.data.buffer).toBe(bytes.buffer);
    });
  });
});
