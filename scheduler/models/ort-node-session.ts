/** Opens a session on onnxruntime-node: native CPU kernels, intra-op threads set per session. */

import type { ModelSession } from "./model-session.js";
import { adaptOrtSession, type OrtTensorConstructor } from "./ort-adapter.js";

export interface OrtNodeOptions {
  /** Intra-op threads for this session. */
  threads: number;
  /** Let idle intra-op threads spin-wait (lower latency for a model alone on the machine). Default false. */
  spinning?: boolean;
}

/**
 * Creates the session from model bytes. Imported lazily so a browser bundle never pulls in the
 * native addon.
 */
export async function openOrtNodeSession(bytes: Uint8Array, opts: OrtNodeOptions): Promise<ModelSession> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    intraOpNumThreads: opts.threads,
    // One model call at a time per session: parallelism comes from intra-op threads, and
    // concurrent calls share those rather than oversubscribing the cores.
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    // Idle intra-op threads otherwise spin-wait for the next call, burning a core that the
    // pipeline's decode and resize work needs: measured ~25% less CPU per image with spinning off
    // (bench pipeline, light_squeezenet, 2 cores), at no cost to back-to-back batched calls.
    extra: { session: { intra_op: { allow_spinning: opts.spinning ? "1" : "0" }, inter_op: { allow_spinning: opts.spinning ? "1" : "0" } } },
    // Errors only reach the caller, as ModelLoadError/ModelRunError with onnxruntime's message;
    // its own stderr log would print each one a second time, through the CLI's progress display.
    logSeverityLevel: 4,
  });
  return adaptOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor);
}

/** Whether onnxruntime-node can be imported here (Node with the native addon installed). */
export async function ortNodeAvailable(): Promise<boolean> {
  try {
    await import("onnxruntime-node");
    return true;
  } catch {
    return false;
  }
}
