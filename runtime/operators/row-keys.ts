/** Record keys for dead letters and outputs: a configured key column, else the row's index in the stream. */

import type { Batch, Json } from "../api/stream.js";

export function rowKeys(batch: Batch, keyColumn: string | undefined, rowOffset: number): Json[] {
  const col = keyColumn ? batch.getChild(keyColumn) : null;
  const keys: Json[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const v = col?.get(i) as unknown;
    keys.push(typeof v === "string" || typeof v === "number" ? v : typeof v === "bigint" ? v.toString() : rowOffset + i);
  }
  return keys;
}
