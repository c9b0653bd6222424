import { describe, expect, it } from "vitest";
import { Field, FixedSizeList, Float32, Int32, Table } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  ExtensionMetadataError,
  TypeMismatchError,
  columnOf,
  fixedShapeTensorAsTensor,
  fixedShapeTensorColumn,
  fixedShapeTensorColumnFromRows,
  fixedShapeTensorField,
  fixedShapeTensorInfo,
  fixedShapeTensorRow,
  fixedShapeTensorView,
  isFixedShapeTensorField,
  logicalShape,
  recordBatchFromColumns,
  tableFromColumns,
  toKernelTensor,
} from "../../../runtime/types/index.js";
import { SluiceError } from "../../../kernels/errors.js";
import { tensor } from "../../../kernels/tensor.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

function iota(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
}

function fieldWith(metadata: string | undefined, type = new FixedSizeList(6, new Field("item", new Float32(), false))): Field {
  const md = new Map([[EXTENSION_NAME_KEY, "arrow.fixed_shape_tensor"]]);
  if (metadata !== undefined) md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field("t", type, true, md);
}

describe("arrow.fixed_shape_tensor", () => {
  it("wraps a [rows, ...shape] tensor without copying and views it back as the same buffer", () => {
    const t = tensor("f32", [4, 2, 3], iota(24));
    const col = fixedShapeTensorColumn("t", t);
    expect(col.field.metadata.get(EXTENSION_NAME_KEY)).toBe("arrow.fixed_shape_tensor");
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"shape":[2,3]}');
    expect(String(col.field.type)).toBe("FixedSizeList[6]<Float32>");
    expect(col.vector.length).toBe(4);
    const view = fixedShapeTensorView(col);
    expect(view.shape).toEqual([4, 2, 3]);
    expect(view.dtype).toBe("f32");
    expect(view.data.buffer).toBe(t.data.buffer);
    expect(view.data.byteOffset).toBe(t.data.byteOffset);
    expect(view.data.length).toBe(24);
    // Arrow's own accessors see the same values.
    expect([...col.vector.get(1)!]).toEqual([...t.data.subarray(6, 12)]);
  });

  it("views a column built from an offset subarray at the right byte offset", () => {
    const backing = iota(40);
    const t = tensor("f32", [3, 4], backing.subarray(8, 20));
    const view = fixedShapeTensorView(fixedShapeTensorColumn("t", t));
    expect(view.data.buffer).toBe(backing.buffer);
    expect(view.data.byteOffset).toBe(8 * 4);
    expect([...view.data]).toEqual([...backing.subarray(8, 20)]);
  });

  it("round-trips u8, i32, f32, f64 and i64 tensors and keeps the kernel dtype for u8/i32/f32", () => {
    const u8 = fixedShapeTensorView(fixedShapeTensorColumn("a", tensor("u8", [2, 2], [1, 2, 255, 0])));
    expect(u8.dtype).toBe("u8");
    expect([...u8.data]).toEqual([1, 2, 255, 0]);
    expect(toKernelTensor(u8, "a").dtype).toBe("u8");
    const k = fixedShapeTensorAsTensor(fixedShapeTensorColumn("k", tensor("f32", [2, 1], [3, 4])));
    expect(k).toEqual({ dtype: "f32", shape: [2, 1], data: Float32Array.of(3, 4) });
    const i32 = fixedShapeTensorView(fixedShapeTensorColumn("b", tensor("i32", [1, 3], [-7, 0, 9])));
    expect(i32.data).toBeInstanceOf(Int32Array);
    expect([...i32.data]).toEqual([-7, 0, 9]);
    const f64 = fixedShapeTensorView(
      fixedShapeTensorColumnFromRows("c", "f64", [2], [[1.5, 2.25], null, [3, 4]]),
    );
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect([...f64.data]).toEqual([1.5, 2.25, 0, 0, 3, 4]);
    expect(() => toKernelTensor(f64, "c")).toThrow(/column 'c': kernel element type: expected one of u8, i32, f32, got f64/);
    expect(() => fixedShapeTensorAsTensor(fixedShapeTensorColumnFromRows("c", "f64", [1], [[1]]))).toThrow(/column 'c': kernel element type/);
    const i64 = fixedShapeTensorView(fixedShapeTensorColumnFromRows("d", "i64", [2], [[1n, -2n], [3, 4]]));
    expect(i64.data).toBeInstanceOf(BigInt64Array);
    expect([...i64.data]).toEqual([1n, -2n, 3n, 4n]);
  });

  it("builds from rows with nulls and gives per-row views into the one buffer", () => {
    const col = fixedShapeTensorColumnFromRows("t", "i32", [2, 2], [Int32Array.of(1, 2, 3, 4), null, [5, 6, 7, 8]]);
    expect(col.vector.nullCount).toBe(1);
    const whole = fixedShapeTensorView(col);
    expect([...whole.data]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8]);
    const r2 = fixedShapeTensorRow(col, 2)!;
    expect(r2.shape).toEqual([2, 2]);
    expect([...r2.data]).toEqual([5, 6, 7, 8]);
    expect(r2.data.buffer).toBe(whole.data.buffer);
    expect(r2.data.byteOffset).toBe(whole.data.byteOffset + 8 * 4);
    expect(fixedShapeTensorRow(col, 1)).toBeNull();
    expect(() => fixedShapeTensorRow(col, 3)).toThrow(/column 't': row 3 is out of range for 3 rows/);
  });

  it("writes dim_names and permutation per the canonical spec and derives the logical shape", () => {
    const col = fixedShapeTensorColumn("img", tensor("f32", [1, 3, 4, 5]), { dimNames: ["C", "H", "W"], permutation: [1, 2, 0] });
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"shape":[3,4,5],"permutation":[1,2,0],"dim_names":["C","H","W"]}');
    const info = fixedShapeTensorInfo(col.field);
    expect(info).toEqual({ dtype: "f32", shape: [3, 4, 5], dimNames: ["C", "H", "W"], permutation: [1, 2, 0] });
    // The spec's example: physical [100, 200, 500] with permutation [2, 0, 1] is logical [500, 100, 200].
    expect(logicalShape([100, 200, 500], [2, 0, 1])).toEqual([500, 100, 200]);
    expect(logicalShape(info.shape, info.permutation)).toEqual([4, 5, 3]);
  });

  it("caches a field's parsed info but re-validates when its metadata changes", () => {
    const col = fixedShapeTensorColumn("t", tensor("f32", [2, 6]));
    const info = fixedShapeTensorInfo(col.field);
    expect(fixedShapeTensorInfo(col.field)).toBe(info);
    expect(Object.isFrozen(info.shape)).toBe(true);
    col.field.metadata.set(EXTENSION_METADATA_KEY, '{"shape":[3,2]}');
    expect(fixedShapeTensorInfo(col.field).shape).toEqual([3, 2]);
    col.field.metadata.set(EXTENSION_METADATA_KEY, '{"shape":[5]}');
    expect(() => fixedShapeTensorInfo(col.field)).toThrow(/list size: expected 5/);
  });

  it("recognises the type from a Field", () => {
    const col = fixedShapeTensorColumn("t", tensor("f32", [2, 6]));
    expect(isFixedShapeTensorField(col.field)).toBe(true);
    expect(isFixedShapeTensorField(new Field("x", new Int32()))).toBe(false);
  });

  it("copies a multi-chunk column into one tensor, or refuses with requireZeroCopy", () => {
    const a = fixedShapeTensorColumn("t", tensor("f32", [2, 3], iota(6)));
    const b = fixedShapeTensorColumn("t", tensor("f32", [1, 3], Float32Array.of(9, 8, 7)));
    const table = new Table([recordBatchFromColumns([a]), recordBatchFromColumns([b])]);
    const col = columnOf(table, "t");
    expect(col.vector.data.length).toBe(2);
    const view = fixedShapeTensorView(col);
    expect(view.shape).toEqual([3, 3]);
    expect([...view.data]).toEqual([...iota(6), 9, 8, 7]);
    expect(() => fixedShapeTensorView(col, { requireZeroCopy: true })).toThrow(
      /column 't': layout for a zero-copy view: expected one contiguous chunk, got 2 chunks/,
    );
    expect(fixedShapeTensorRow(col, 2)!.data[0]).toBe(9);
  });

  it("views a sliced chunk at the slice's rows", () => {
    const t = tensor("f32", [5, 2], iota(10));
    const col = fixedShapeTensorColumn("t", t);
    const sliced = { field: col.field, vector: col.vector.slice(2, 4) };
    const view = fixedShapeTensorView(sliced);
    expect(view.shape).toEqual([2, 2]);
    expect([...view.data]).toEqual([...t.data.subarray(4, 8)]);
    expect(view.data.buffer).toBe(t.data.buffer);
  });

  describe("validation", () => {
    it("rejects bad or missing metadata JSON", () => {
      expect(() => fixedShapeTensorInfo(fieldWith(undefined))).toThrow(ExtensionMetadataError);
      expect(() => fixedShapeTensorInfo(fieldWith(undefined))).toThrow(/column 't': arrow.fixed_shape_tensor metadata: expected a JSON object, got no metadata/);
      expect(() => fixedShapeTensorInfo(fieldWith("{shape:"))).toThrow(/column 't': arrow.fixed_shape_tensor metadata: expected valid JSON, got "\{shape:"/);
      expect(() => fixedShapeTensorInfo(fieldWith("[2,3]"))).toThrow(/expected a JSON object, got \[2,3\]/);
      expect(() => fixedShapeTensorInfo(fieldWith('{"dim_names":["a"]}'))).toThrow(/expected a "shape" key/);
    });

    it("rejects negative or non-integer dims", () => {
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[2,-3]}'))).toThrow(/"shape"\[1\] a non-negative integer, got -3 in \[2,-3\]/);
      expect(() => fixedShapeTensorField("t", "f32", { shape: [1.5] })).toThrow(/column 't'.*"shape"\[0\] a non-negative integer, got 1.5/);
    });

    it("rejects a permutation that isn't one and dim_names of the wrong length", () => {
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[2,3],"permutation":[0,0]}'))).toThrow(
        /column 't': arrow.fixed_shape_tensor metadata: expected "permutation" as a permutation of \[0..1\], got \[0,0\]/,
      );
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[2,3],"permutation":[1,2]}'))).toThrow(/permutation of \[0..1\], got \[1,2\]/);
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[2,3],"dim_names":["H"]}'))).toThrow(/expected 2 "dim_names" \(one per dimension\), got 1/);
      expect(() => fixedShapeTensorColumn("t", tensor("f32", [1, 2, 3]), { permutation: [1] })).toThrow(ExtensionMetadataError);
    });

    it("rejects storage that disagrees with the shape", () => {
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[2,4]}'))).toThrow(
        /column 't': list size: expected 8 \(prod of shape \[2,4\]\), got 6/,
      );
      expect(() => fixedShapeTensorInfo(fieldWith('{"shape":[6]}', new Int32() as never))).toThrow(
        /column 't': storage type: expected FixedSizeList\[6\]<numeric> for shape \[6\], got Int32/,
      );
    });

    it("rejects a field of another extension type", () => {
      const f = new Field("e", new Int32(), true, new Map([[EXTENSION_NAME_KEY, "sluice.embedding"]]));
      expect(() => fixedShapeTensorInfo(f)).toThrow(/column 'e': extension type: expected arrow.fixed_shape_tensor, got sluice.embedding/);
      expect(() => fixedShapeTensorInfo(new Field("p", new Int32()))).toThrow(/got a plain Arrow column/);
    });

    it("rejects rows and tensors whose length does not match prod(shape)", () => {
      expect(() => fixedShapeTensorColumnFromRows("t", "f32", [2, 2], [[1, 2, 3]])).toThrow(
        /column 't': row 0 length: expected 4 \(prod of shape \[2,2\]\), got 3/,
      );
      const bad = { dtype: "f32" as const, shape: [2, 3], data: new Float32Array(5) };
      expect(() => fixedShapeTensorColumn("t", bad)).toThrow(/column 't': tensor data length: expected 6 for shape \[2,3\], got 5/);
      const wrongType = { dtype: "f32" as const, shape: [2], data: new Int32Array(2) as unknown as Float32Array };
      expect(() => fixedShapeTensorColumn("t", wrongType)).toThrow(/column 't': element type: expected f32, got i32/);
    });

    it("errors are SluiceErrors that are not retriable", () => {
      try {
        fixedShapeTensorInfo(fieldWith('{"shape":[2,4]}'));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TypeMismatchError);
        expect(e).toBeInstanceOf(SluiceError);
        expect((e as TypeMismatchError).retriable).toBe(false);
        expect((e as TypeMismatchError).column).toBe("t");
        expect((e as TypeMismatchError).expected).toMatch(/^8/);
        expect((e as TypeMismatchError).actual).toBe("6");
      }
    });
  });

  describe.each(IPC_FORMATS)("IPC %s round trip", (format) => {
    it("keeps extension metadata, values and zero-copy views", () => {
      const t = tensor("f32", [3, 2, 2], iota(12));
      const col = fixedShapeTensorColumn("t", t, { dimNames: ["H", "W"], permutation: [1, 0], valid: [true, false, true] });
      const { table, bytes } = ipcRoundTrip(tableFromColumns([col]), format);
      const back = columnOf(table, "t");
      expect(back.field.metadata.get(EXTENSION_NAME_KEY)).toBe("arrow.fixed_shape_tensor");
      expect(fixedShapeTensorInfo(back.field)).toEqual({ dtype: "f32", shape: [2, 2], dimNames: ["H", "W"], permutation: [1, 0] });
      const view = fixedShapeTensorView(back, { requireZeroCopy: true });
      expect(view.shape).toEqual([3, 2, 2]);
      expect([...view.data]).toEqual([...t.data]);
      // The view reads straight out of the IPC bytes.
      expect(view.data.buffer).toBe(bytes.buffer);
      expect(back.vector.nullCount).toBe(1);
      expect(fixedShapeTensorRow(back, 1)).toBeNull();
    });
  });
});
