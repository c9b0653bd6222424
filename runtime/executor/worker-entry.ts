/**
 * The worker side of WorkerPool: builds processors on demand (cached per module and options)
 * and runs batches through them, moving result buffers back to the caller. A processor is the
 * module's `createProcessor(options)` result, or, when the spec names an `export`, that export
 * itself (a plain batch function, as `mapBatches` modules are written).
 */

import { parentPort } from "node:worker_threads";
import type { Batch, Json } from "../api/stream.js";
import { packBatch, unpackBatch, type TransferableBatch } from "./batch-transfer.js";
import type { ProcessorSpec } from "./worker-pool.js";

type Processor = (batch: Batch) => Batch | Promise<Batch>;

const processors = new Map<string, Promise<Processor>>();

function processorFor(spec: ProcessorSpec): Promise<Processor> {
  const key = `${spec.module}|${spec.export ?? ""}|${JSON.stringify(spec.options)}`;
  let p = processors.get(key);
  if (!p) {
    p = import(spec.module).then((m: { createProcessor?: (o: Json) => Processor | Promise<Processor> } & Record<string, unknown>) => {
      if (spec.export !== undefined) {
        const f = m[spec.export];
        if (typeof f !== "function") throw new Error(`${spec.module} has no function export '${spec.export}'`);
        return f as Processor;
      }
      if (typeof m.createProcessor !== "function") throw new Error(`${spec.module} does not export createProcessor(options)`);
      return m.createProcessor(spec.options);
    });
    processors.set(key, p);
  }
  return p;
}

parentPort?.on("message", async (m: { id: number; processor: ProcessorSpec; batch: TransferableBatch }) => {
  try {
    const fn = await processorFor(m.processor);
    const out: unknown = await fn(unpackBatch(m.batch));
    // Checked here, not only by the caller: packing anything else fails with a message that
    // says nothing about the user's function.
    if (typeof out !== "object" || out === null || !("data" in out) || !("schema" in out)) {
      throw new Error(`${m.processor.module} returned ${out === null ? "null" : typeof out}, not an Arrow RecordBatch`);
    }
    const { message, transfer } = packBatch(out as Batch);
    parentPort!.postMessage({ id: m.id, ok: true, batch: message }, transfer);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
