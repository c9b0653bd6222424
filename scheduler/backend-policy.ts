/**
 * Which backend runs an op: webgpu → wasm → js, by availability, op coverage and size, with
 * overrides. Pure logic, so the choice is testable without any device.
 */

import type { OpName } from "../kernels/op-attrs.js";
import type { Backend } from "../kernels/registry.js";
import { SluiceError } from "../kernels/errors.js";

export interface BackendAvailability {
  webgpu: boolean;
  /** The adapter is a software rasterizer (llvmpipe, SwiftShader): a GPU in name only. */
  webgpuIsSoftware: boolean;
  wasm: boolean;
}

export interface BackendPolicy {
  /** Force one backend for every op (also `SLUICE_BACKEND`). An unavailable forced backend is an error. */
  force?: Backend;
  /** Per-op overrides, e.g. `{ resize: "wasm" }`; they win over `force`. */
  ops?: Partial<Record<OpName, Backend>>;
  /**
   * Below this many elements (largest input) a GPU dispatch costs more than it saves: upload,
   * launch and readback dominate. Default 65536.
   */
  minGpuElements?: number;
  /**
   * Use a software WebGPU adapter by default. Off: on a CPU-emulated GPU, WASM SIMD is faster
   * (FIELD-NOTES: llvmpipe normalize is ~2× slower than plain JS), so webgpu is only chosen there
   * when forced.
   */
  preferSoftwareGpu?: boolean;
}

export const DEFAULT_MIN_GPU_ELEMENTS = 1 << 16;

/** Reads the policy overrides from the environment (`SLUICE_BACKEND=wasm`). */
export function policyFromEnv(env: Record<string, string | undefined> = process.env): BackendPolicy {
  const v = env.SLUICE_BACKEND;
  if (!v) return {};
  if (v !== "js" && v !== "wasm" && v !== "webgpu") {
    throw new SluiceError(`SLUICE_BACKEND must be js, wasm or webgpu, got '${v}'`);
  }
  return { force: v };
}

/**
 * Picks the backend for `op` given what is available, which backends implement it
 * (`implemented(backend)`), and the element count of its largest input.
 */
export function chooseBackend(
  op: OpName,
  elements: number,
  avail: BackendAvailability,
  implemented: (b: Backend) => boolean,
  policy: BackendPolicy = {},
): Backend {
  const usable = (b: Backend): boolean => (b === "js" || (b === "wasm" ? avail.wasm : avail.webgpu)) && implemented(b);
  const forced = policy.ops?.[op] ?? policy.force;
  if (forced) {
    if (!usable(forced)) {
      const why = implemented(forced) ? "is not available on this machine" : `has no kernel for '${op}'`;
      throw new SluiceError(`backend '${forced}' was requested for '${op}' but ${why}`);
    }
    return forced;
  }
  const gpuWorthIt = elements >= (policy.minGpuElements ?? DEFAULT_MIN_GPU_ELEMENTS) && (!avail.webgpuIsSoftware || policy.preferSoftwareGpu === true);
  if (gpuWorthIt && usable("webgpu")) return "webgpu";
  if (usable("wasm")) return "wasm";
  return "js";
}
