/** Shared helpers for connector tests: temp dirs, draining sources, the replay check. */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { RecordBatch } from "apache-arrow";
import type { Json } from "../../runtime/api/stream.js";
import type { Source, SourcePosition } from "../../runtime/api/source.js";

export async function tempDir(prefix = "sluice-conn-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Row values as plain JSON-ish strings (bigint and bytes made printable), for comparisons. */
export function rowKeys(batch: RecordBatch): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row = batch.get(i)!.toJSON() as Record<string, unknown>;
    out.push(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
  }
  return out;
}

export interface Drained {
  batches: RecordBatch[];
  rows: string[];
  /** Position after each batch, with the number of rows read up to it. */
  positions: { position: Json; rowsBefore: number }[];
}

export async function drain(source: Source, from: SourcePosition | undefined, batchRows: number, signal = new AbortController().signal): Promise<Drained> {
  const out: Drained = { batches: [], rows: [], positions: [] };
  for await (const { batch, position } of source.read(from, { batchRows, signal })) {
    expect(batch.numRows).toBeGreaterThan(0);
    expect(batch.numRows).toBeLessThanOrEqual(batchRows);
    // Positions go into checkpoint files: they must survive JSON.
    expect(JSON.parse(JSON.stringify(position))).toEqual(position);
    out.batches.push(batch);
    out.rows.push(...rowKeys(batch));
    out.positions.push({ position, rowsBefore: out.rows.length });
  }
  return out;
}

/**
 * Reads the whole source, then resumes from every position it emitted (also with another batch
 * size) and checks that each resumed read yields exactly the remaining rows.
 */
export async function expectExactReplay(source: Source, batchRows: number): Promise<Drained> {
  const all = await drain(source, undefined, batchRows);
  expect(all.positions.length).toBeGreaterThan(1);
  for (const { position, rowsBefore } of all.positions) {
    for (const rows of [batchRows, Math.max(1, batchRows - 1), batchRows * 3]) {
      const rest = await drain(source, JSON.parse(JSON.stringify(position)) as Json, rows);
      expect(rest.rows).toEqual(all.rows.slice(rowsBefore));
    }
  }
  return all;
}
