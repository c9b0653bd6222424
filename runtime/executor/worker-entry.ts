/**
 * The worker side of WorkerPool: builds processors on demand (cached per module and options)
 * and runs batches through them, moving result buffers back to the caller.
 */

import { parentPort } from "node:worker_threads";
import type { Batch, Json } from "../api/stream.js";
import { packBatch, unpackBatch, type TransferableBatch } from "./batch-transfer.js";

type Processor = (batch: Batch) => Batch | Promise<Batch>;

const processors = new Map<string, Promise<Processor>>();

function processorFor(spec: { module: string; options: Json }): Promise<Processor> {
  const key = `${spec.module}|${JSON.stringify(spec.options)}`;
  let p = processors.get(key);
  if (!p) {
    p = import(spec.module).then((m: { createProcessor?: (o: Json) => Processor | Promise<Processor> }) => {
      if (typeof m.createProcessor !== "function") throw new Error(`${spec.module} does not export createProcessor(options)`);
      return m.createProcessor(spec.options);
    });
    processors.set(key, p);
  }
  return p;
}

parentPort?.on("message", async (m: { id: number; processor: { module: string; options: Json }; batch: TransferableBatch }) => {
  try {
    const fn = await processorFor(m.processor);
    const out = await fn(unpackBatch(m.batch));
    const { message, transfer } = packBatch(out);
    parentPort!.postMessage({ id: m.id, ok: true, batch: message }, transfer);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
