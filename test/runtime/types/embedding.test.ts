import { describe, expect, it } from "vitest";
import { Field, FixedSizeList, Float32, Float64 } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  ExtensionMetadataError,
  columnOf,
  embeddingColumn,
  embeddingColumnFromRows,
  embeddingField,
  embeddingInfo,
  embeddingRow,
  embeddingView,
  isEmbeddingField,
  recordBatchFromColumns,
  tableFromColumns,
} from "../../../runtime/types/index.js";
import { tensor } from "../../../kernels/tensor.js";
import { rng } from "../../helpers/random-tensors.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

/** Rows × dim unit vectors from a seeded generator. */
function unitRows(rows: number, dim: number, seed = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    let ss = 0;
    for (let k = 0; k < dim; k++) ss += (out[i * dim + k] = r() - 0.5) ** 2;
    for (let k = 0; k < dim; k++) out[i * dim + k]! /= Math.sqrt(ss);
  }
  return out;
}

function fieldWith(metadata: string | undefined, type: FixedSizeList = new FixedSizeList(4, new Field("item", new Float32(), false))): Field {
  const md = new Map([[EXTENSION_NAME_KEY, "sluice.embedding"]]);
  if (metadata !== undefined) md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field("emb", type, true, md);
}

const params = { model: "minilm-l6", metric: "cosine" as const, normalized: true };

describe("sluice.embedding", () => {
  it("wraps a [rows, dim] tensor zero-copy with the metadata and views it back", () => {
    const t = tensor("f32", [5, 8], unitRows(5, 8));
    const col = embeddingColumn("emb", t, params);
    expect(col.field.metadata.get(EXTENSION_NAME_KEY)).toBe("sluice.embedding");
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"model":"minilm-l6","metric":"cosine","normalized":true}');
    expect(String(col.field.type)).toBe("FixedSizeList[8]<Float32>");
    expect(isEmbeddingField(col.field)).toBe(true);
    expect(embeddingInfo(col.field)).toEqual({ dim: 8, ...params });
    const view = embeddingView(col, { dim: 8 });
    expect(view.shape).toEqual([5, 8]);
    expect(view.data.buffer).toBe(t.data.buffer);
    expect(view.data.byteOffset).toBe(t.data.byteOffset);
    const r3 = embeddingRow(col, 3)!;
    expect([...r3]).toEqual([...t.data.subarray(24, 32)]);
    expect(r3.byteOffset).toBe(t.data.byteOffset + 24 * 4);
  });

  it("builds from rows with nulls and omits model when not given", () => {
    const col = embeddingColumnFromRows("e", 3, [[1, 2, 3], null, Float32Array.of(4, 5, 6)], { metric: "dot", normalized: false });
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"metric":"dot","normalized":false}');
    expect(col.vector.nullCount).toBe(1);
    expect(embeddingRow(col, 1)).toBeNull();
    expect([...embeddingView(col).data]).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6]);
    expect(embeddingInfo(col.field)).toEqual({ dim: 3, metric: "dot", normalized: false });
  });

  it("copies across chunks and refuses with requireZeroCopy", () => {
    const a = embeddingColumnFromRows("e", 2, [[1, 0]], { metric: "l2", normalized: true });
    const b = embeddingColumnFromRows("e", 2, [[0, 1], [0.6, 0.8]], { metric: "l2", normalized: true });
    const table = tableFromColumns([a]).concat(tableFromColumns([b]));
    const col = columnOf(table, "e");
    expect([...embeddingView(col).data]).toEqual([1, 0, 0, 1, 0.6000000238418579, 0.800000011920929]);
    expect(() => embeddingView(col, { requireZeroCopy: true })).toThrow(/column 'e': layout for a zero-copy view/);
  });

  describe("validation", () => {
    it("rejects a column of the wrong dim, model or metric for the reader", () => {
      const col = embeddingColumn("emb", tensor("f32", [2, 4], unitRows(2, 4)), params);
      expect(() => embeddingView(col, { dim: 384 })).toThrow(/column 'emb': embedding dim: expected 384, got 4/);
      expect(() => embeddingInfo(col.field, { model: "e5" })).toThrow(/column 'emb': embedding model: expected "e5", got "minilm-l6"/);
      expect(() => embeddingInfo(col.field, { metric: "dot" })).toThrow(/column 'emb': embedding metric: expected dot, got cosine/);
    });

    it("rejects rows of the wrong dim and tensors of the wrong shape", () => {
      expect(() => embeddingColumnFromRows("e", 3, [[1, 2]], { metric: "dot", normalized: false })).toThrow(
        /column 'e': row 0 embedding dim: expected 3, got 2/,
      );
      expect(() => embeddingColumn("e", tensor("f32", [2, 2, 2]), params)).toThrow(/column 'e': embedding tensor shape: expected \[rows, dim\], got \[2,2,2\]/);
      expect(() => embeddingField("e", 0, params)).toThrow(/column 'e': embedding dim: expected a positive integer, got 0/);
    });

    it("rejects vectors that are not unit length when normalized is claimed", () => {
      expect(() => embeddingColumnFromRows("e", 2, [[0.6, 0.8], null, [3, 4]], params)).toThrow(
        /column 'e': row 2 L2 norm \(normalized: true\): expected 1, got 5.00000/,
      );
    });

    it("rejects bad metadata", () => {
      expect(() => embeddingInfo(fieldWith(undefined))).toThrow(/column 'emb': sluice.embedding metadata: expected a JSON object, got no metadata/);
      expect(() => embeddingInfo(fieldWith("nope"))).toThrow(/expected valid JSON, got "nope"/);
      expect(() => embeddingInfo(fieldWith('{"metric":"hamming","normalized":true}'))).toThrow(
        /"metric" one of cosine, dot, l2, got "hamming"/,
      );
      expect(() => embeddingInfo(fieldWith('{"metric":"dot"}'))).toThrow(/expected "normalized" as a boolean, got null/);
      expect(() => embeddingInfo(fieldWith('{"model":7,"metric":"dot","normalized":false}'))).toThrow(ExtensionMetadataError);
    });

    it("rejects storage other than FixedSizeList<Float32>", () => {
      const f64 = new FixedSizeList(4, new Field("item", new Float64(), false));
      expect(() => embeddingInfo(fieldWith('{"metric":"dot","normalized":false}', f64))).toThrow(
        /column 'emb': storage type: expected FixedSizeList<Float32>\[dim\], got FixedSizeList\[4\]<Float64>/,
      );
    });
  });

  describe.each(IPC_FORMATS)("IPC %s round trip", (format) => {
    it("keeps metadata, values and zero-copy views", () => {
      const t = tensor("f32", [4, 6], unitRows(4, 6, 7));
      const col = embeddingColumn("emb", t, { ...params, valid: [true, true, false, true] });
      const { table, bytes } = ipcRoundTrip(recordBatchFromColumns([col]), format);
      const back = columnOf(table, "emb");
      expect(embeddingInfo(back.field, { dim: 6 })).toEqual({ dim: 6, ...params });
      const view = embeddingView(back, { requireZeroCopy: true });
      expect([...view.data]).toEqual([...t.data]);
      expect(view.data.buffer).toBe(bytes.buffer);
      expect(embeddingRow(back, 2)).toBeNull();
    });
  });
});
