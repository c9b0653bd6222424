/**
 * Opens a session on onnxruntime-web's WASM backend (Node and browsers).
 *
 * Its thread count is a process-wide setting (`ort.env.wasm.numThreads`) read once, when the WASM
 * module starts; left unset it resolves to 1 on our 2-core machines (FIELD-NOTES). So the first
 * web session fixes it explicitly, and a later one asking for a different count is refused rather
 * than silently running with the first one's.
 */

import { ModelLoadError } from "./model-errors.js";
import type { ModelSession } from "./model-session.js";
import { adaptOrtSession, type OrtTensorConstructor } from "./ort-adapter.js";

export interface OrtWebOptions {
  /** WASM threads; undefined takes the count already fixed, or `defaultThreads` for the first session. */
  threads: number | undefined;
  defaultThreads: number;
  /** The model's name, for errors. */
  name: string;
}

let fixedThreads: number | undefined;

/** The WASM thread count fixed by the first web session, if one was opened. */
export function ortWebThreads(): number | undefined {
  return fixedThreads;
}

export async function openOrtWebSession(bytes: Uint8Array, opts: OrtWebOptions): Promise<{ session: ModelSession; threads: number }> {
  const ort = await import("onnxruntime-web");
  if (fixedThreads === undefined) {
    fixedThreads = opts.threads ?? opts.defaultThreads;
    ort.env.wasm.numThreads = fixedThreads;
  } else if (opts.threads !== undefined && opts.threads !== fixedThreads) {
    throw new ModelLoadError(
      opts.name,
      `onnxruntime-web runs ${fixedThreads} WASM thread(s) for the whole process (fixed by the first web model); ${opts.threads} were asked for`,
    );
  }
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    // As for onnxruntime-node: failures reach the caller as errors, not as a second stderr line.
    logSeverityLevel: 4,
  });
  return { session: adaptOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor), threads: fixedThreads };
}
