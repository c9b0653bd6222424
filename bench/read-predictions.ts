/** Reads a predictions Parquet output (either side of the pipeline bench) back, keyed by path. */

import { parquetSource } from "../connectors/index.js";

export interface Prediction {
  class: number;
  score: number;
  label: string;
}

/** path → prediction, from a Parquet file, a folder of parts, or a glob. */
export async function readPredictions(pathOrGlob: string): Promise<Map<string, Prediction>> {
  const out = new Map<string, Prediction>();
  const src = parquetSource(pathOrGlob);
  for await (const { batch } of src.read(undefined, { batchRows: 4096, signal: new AbortController().signal })) {
    const path = batch.getChild("path")!, cls = batch.getChild("class")!, score = batch.getChild("score")!, label = batch.getChild("label")!;
    for (let i = 0; i < batch.numRows; i++) {
      out.set(String(path.get(i)), { class: Number(cls.get(i)), score: Number(score.get(i)), label: String(label.get(i)) });
    }
  }
  return out;
}
