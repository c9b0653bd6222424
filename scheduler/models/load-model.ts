/**
 * `loadModel`: model bytes or a file → a warmed-up, ready `ModelRuntime` on onnxruntime-node or
 * onnxruntime-web. Every way a model can be unusable (missing file, not ONNX, an operator the
 * runtime lacks, an input sluice cannot feed, a failing warm-up) surfaces here as a
 * `ModelLoadError` naming the file and the cause, before any data flows.
 */

import { ModelLoadError, ModelSessionError } from "./model-errors.js";
import type { ModelRuntime, ModelState } from "./model-runtime.js";
import type { ModelSession } from "./model-session.js";
import { NonTensorValueError } from "./ort-adapter.js";
import { openOrtNodeSession, ortNodeAvailable } from "./ort-node-session.js";
import { openOrtWebSession } from "./ort-web-session.js";
import { SessionModel } from "./session-model.js";

export type ModelRuntimeKind = "node" | "web" | "auto";

export interface LoadModelOptions {
  /** `node`: onnxruntime-node (native CPU). `web`: onnxruntime-web (WASM). `auto` (default): node where it can be imported, else web. */
  runtime?: ModelRuntimeKind;
  /**
   * Compute threads. Node: intra-op threads of this session. Web: `ort.env.wasm.numThreads`,
   * fixed for the process by the first web model. Default: the machine's available parallelism.
   */
  threads?: number;
  /** Label for in-memory bytes in errors and metrics. Default: the file path, or `<in-memory model>`. */
  name?: string;
  /** Batch sizes to warm up before the model is ready (see `ModelRuntime.warmUp`). Default: none. */
  warmUp?: readonly number[];
  /** Sizes for non-batch dynamic dims during warm-up, by symbol. */
  warmUpDims?: Readonly<Record<string, number>>;
  /** Observes every state from `loading` on, for the model's whole life (same as `model.onStateChange`). */
  onStateChange?: (state: ModelState) => void;
}

/**
 * Loads an ONNX model. `source` is a file path (or `file:` URL; Node only) or the model bytes.
 * Resolves with the model in `ready`, after warm-up when `opts.warmUp` lists batch sizes.
 */
export async function loadModel(source: string | Uint8Array, opts: LoadModelOptions = {}): Promise<ModelRuntime> {
  const name = opts.name ?? (typeof source === "string" ? source : "<in-memory model>");
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new ModelLoadError(name, `threads must be a positive integer, got ${opts.threads}`);
  }
  opts.onStateChange?.("loading");
  const bytes = typeof source === "string" ? await readModelFile(source, name) : source;
  if (bytes.byteLength === 0) throw new ModelLoadError(name, "not an ONNX model: the file is empty");

  const runtime = await resolveRuntime(opts.runtime ?? "auto");
  const defaultThreads = await availableThreads();
  let session: ModelSession;
  let threads: number;
  try {
    if (runtime === "node") {
      threads = opts.threads ?? defaultThreads;
      session = await openOrtNodeSession(bytes, { threads });
    } else {
      ({ session, threads } = await openOrtWebSession(bytes, { threads: opts.threads, defaultThreads, name }));
    }
  } catch (cause) {
    if (cause instanceof ModelSessionError) throw cause;
    throw new ModelLoadError(name, describeLoadFailure(cause), { cause });
  }

  let model: SessionModel;
  try {
    model = new SessionModel(session, { name, backend: runtime === "node" ? "onnxruntime-node" : "onnxruntime-web", threads });
  } catch (cause) {
    await session.release().catch(() => undefined);
    if (cause instanceof ModelSessionError) throw cause;
    throw new ModelLoadError(name, describeLoadFailure(cause), { cause });
  }
  if (opts.onStateChange) model.onStateChange(opts.onStateChange);
  try {
    if (opts.warmUp && opts.warmUp.length > 0) await model.warmUp(opts.warmUp, opts.warmUpDims ? { dims: opts.warmUpDims } : {});
    else model.markReady();
  } catch (cause) {
    await model.close().catch(() => undefined);
    throw new ModelLoadError(name, `warm-up failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return model;
}

async function readModelFile(source: string, name: string): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  const path = source.startsWith("file:") ? (await import("node:url")).fileURLToPath(source) : source;
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a model file" : code === "EACCES" ? "permission denied" : `cannot read the file (${code ?? String(cause)})`;
    throw new ModelLoadError(name, reason, { cause });
  }
}

async function resolveRuntime(kind: ModelRuntimeKind): Promise<"node" | "web"> {
  if (kind !== "auto") return kind;
  const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
  return inNode && (await ortNodeAvailable()) ? "node" : "web";
}

async function availableThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    return (await import("node:os")).availableParallelism();
  } catch {
    return 1;
  }
}

/** onnxruntime's load errors, reworded to say what is wrong with the file. */
export function describeLoadFailure(cause: unknown): string {
  if (cause instanceof NonTensorValueError) return cause.message;
  const raw = (cause instanceof Error ? cause.message : String(cause)).replace(/^Can't create a session\. ERROR_CODE: \d+, ERROR_MESSAGE: /, "");
  if (/protobuf parsing failed/i.test(raw)) return "not an ONNX model (protobuf parsing failed)";
  const noOp = /No Op registered for (\S+) with domain_version of (\d+)/.exec(raw);
  if (noOp) return `unsupported operator '${noOp[1]}' (opset ${noOp[2]}): ${raw}`;
  const noImpl = /Could not find an implementation for (\S+)\((\d+)\) node with name '([^']*)'/.exec(raw);
  if (noImpl) return `unsupported operator '${noImpl[1]}' (version ${noImpl[2]}, node '${noImpl[3]}') for these input types: ${raw}`;
  return raw;
}
