import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { arrowSink, arrowSource, parquetSink, parquetSource } from "../../connectors/index.js";
import { parquetWasm } from "../../connectors/parquet/parquet-wasm.js";
import { readFile } from "node:fs/promises";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  columnOf,
  embeddingInfo,
  embeddingRow,
  embeddingView,
  fixedShapeTensorInfo,
  fixedShapeTensorView,
  multimodalColumns,
  objectRefs,
} from "../../runtime/types/index.js";
import { drain, rowKeys, tempDir } from "./helpers.js";
import { sampleBatch } from "./fixtures.js";

describe.each([
  ["arrow", arrowSink, arrowSource],
  ["parquet", parquetSink, parquetSource],
] as const)("extension types through the %s sink and back", (name, sink, source) => {
  it("keeps fixed-shape tensor, embedding and object-ref metadata and values", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const out = join(dir, "out");
      const written = [sampleBatch(0, 6), sampleBatch(6, 4)];
      const s = sink(out);
      await s.open(written[0]!.schema, { jobId: "rt", subtask: 0 });
      for (const b of written) await s.write(b);
      await s.finish();

      const src = source(out);
      const schema = await src.schema();
      for (const [i, f] of written[0]!.schema.fields.entries()) {
        expect(schema.fields[i]!.name).toBe(f.name);
        expect(schema.fields[i]!.metadata.get(EXTENSION_NAME_KEY)).toBe(f.metadata.get(EXTENSION_NAME_KEY));
        expect(schema.fields[i]!.metadata.get(EXTENSION_METADATA_KEY)).toBe(f.metadata.get(EXTENSION_METADATA_KEY));
      }
      expect([...multimodalColumns(schema).keys()]).toEqual(["tensor", "emb", "ref"]);

      const { batches, rows } = await drain(src, undefined, 100);
      expect(rows).toEqual(written.flatMap(rowKeys));
      const back = batches[0]!;
      expect(fixedShapeTensorInfo(columnOf(back, "tensor").field)).toEqual({ dtype: "f32", shape: [2, 3], dimNames: ["h", "w"] });
      const t = fixedShapeTensorView(columnOf(back, "tensor"));
      expect(t.shape).toEqual([back.numRows, 2, 3]);
      expect(t.data[6 * 2 + 5]).toBeCloseTo(2.5, 5);
      expect(embeddingInfo(columnOf(back, "emb").field)).toEqual({ dim: 4, model: "m1", metric: "cosine", normalized: false });
      expect(Array.from(embeddingView(columnOf(back, "emb")).data.subarray(8, 12))).toEqual([2, 0, 0, 1]);
      expect(embeddingRow(columnOf(back, "emb"), 4)).toBeNull(); // nulls survive
      expect(objectRefs(columnOf(back, "ref"))[5]).toEqual({ uri: "memory://obj/5", length: 5 });

      if (name === "parquet") {
        // Other Parquet readers find the Arrow schema where Arrow C++ puts it.
        const pw = await parquetWasm();
        const part = join(out, "part-00000-00000000.parquet");
        const file = await pw.ParquetFile.fromFile(new Blob([await readFile(part)]));
        expect([...file.metadata().fileMetadata().keyValueMetadata().keys()]).toContain("ARROW:schema");
        file.free();
      }
    } finally {
      await cleanup();
    }
  });
});
