/** Test batches with plain and multimodal columns, numbered by a global row id. */

import { RecordBatch } from "apache-arrow";
import {
  embeddingColumnFromRows,
  fixedShapeTensorColumnFromRows,
  objectRefColumn,
  recordBatchFromColumns,
} from "../../runtime/types/index.js";
import { binaryColumn, int64Column, utf8Column } from "../../connectors/sources/columns.js";

/** Rows `start … start+n-1`: id, name, a 2×3 f32 tensor, a 4-d embedding, bytes, an object ref. */
export function sampleBatch(start: number, n: number): RecordBatch {
  const ids = Array.from({ length: n }, (_, i) => start + i);
  return recordBatchFromColumns([
    int64Column("id", ids),
    utf8Column("name", ids.map((i) => `row-${i}`)),
    fixedShapeTensorColumnFromRows("tensor", "f32", [2, 3], ids.map((i) => Array.from({ length: 6 }, (_, k) => i + k / 10)), { dimNames: ["h", "w"] }),
    embeddingColumnFromRows("emb", 4, ids.map((i) => (i % 5 === 4 ? null : [i, 0, 0, 1])), { model: "m1", metric: "cosine", normalized: false }),
    binaryColumn("blob", ids.map((i) => Uint8Array.from([i & 255, 1, 2]))),
    objectRefColumn("ref", ids.map((i) => ({ uri: `memory://obj/${i}`, length: i }))),
  ]);
}
