/**
 * Runs ops on the best backend the machine has: webgpu → wasm → js by the backend policy,
 * host tensors in and out. When the GPU device is lost, it warns once and every later op —
 * including the one that was running — goes to wasm; no caller sees the loss as a failure.
 */

import { DeviceError } from "../kernels/errors.js";
import type { OpAttrs, OpName } from "../kernels/op-attrs.js";
import { checkOp } from "../kernels/op-specs.js";
import { registerAllKernels } from "../kernels/register-all-kernels.js";
import { hasKernel, runCpu, type Backend } from "../kernels/registry.js";
import { WasmTensor } from "../kernels/wasm/wasm-tensor.js";
import { sizeOf, type Tensor } from "../kernels/tensor.js";
import { loadWasm } from "../wasm/loader.js";
import { chooseBackend, policyFromEnv, type BackendAvailability, type BackendPolicy } from "./backend-policy.js";
import { WebGpuBackend } from "./webgpu/index.js";

export interface DispatcherOptions {
  policy?: BackendPolicy;
  /** Try to acquire a WebGPU device. Default true. */
  webgpu?: boolean;
  /**
   * Acquire a software adapter (llvmpipe, SwiftShader) too. Default true. The policy never picks
   * one unless webgpu is forced, so callers that know nothing forces it pass false and skip
   * the device's start-up cost.
   */
  softwareGpu?: boolean;
  /** Where warnings go (device loss, missing wasm). Default console.warn. */
  warn?: (message: string) => void;
}

export interface DispatchResult {
  outputs: Tensor[];
  backend: Backend;
}

/**
 * Wasm kernels return tensors that live in wasm memory; callers of the dispatcher keep outputs in
 * Arrow columns for as long as they like, where a view into wasm memory would be detached by the
 * next memory growth and overwritten once the tensor is freed. Outputs leave as JS-owned copies.
 */
function toHost(t: Tensor): Tensor {
  if (!(t instanceof WasmTensor)) return t;
  const host = t.toTensor();
  t.dispose();
  return host;
}

export class KernelDispatcher {
  readonly availability: BackendAvailability;
  readonly policy: BackendPolicy;
  private gpu: WebGpuBackend | null;
  private readonly warn: (message: string) => void;
  private warnedLost = false;

  private constructor(gpu: WebGpuBackend | null, wasm: boolean, policy: BackendPolicy, warn: (m: string) => void) {
    this.gpu = gpu;
    this.policy = policy;
    this.warn = warn;
    this.availability = { webgpu: gpu !== null, webgpuIsSoftware: gpu?.info.isFallbackAdapter ?? false, wasm };
    gpu?.onLost((info) => this.fallBack(`${info.reason}: ${info.message}`));
  }

  /** Loads the wasm module and acquires a GPU device where there is one. */
  static async create(opts: DispatcherOptions = {}): Promise<KernelDispatcher> {
    registerAllKernels();
    const warn = opts.warn ?? ((m: string) => console.warn(`sluice: ${m}`));
    const policy = { ...policyFromEnv(), ...opts.policy };
    let wasm = true;
    try {
      await loadWasm();
    } catch (err) {
      wasm = false;
      warn(`WebAssembly kernels unavailable, using the JS reference kernels (${err instanceof Error ? err.message : String(err)})`);
    }
    const wantGpu = (opts.webgpu ?? true) && policy.force !== "js" && policy.force !== "wasm";
    const forced = policy.force === "webgpu" || Object.values(policy.ops ?? {}).includes("webgpu");
    const allowFallbackAdapter = (opts.softwareGpu ?? true) || forced || policy.preferSoftwareGpu === true;
    const gpu = wantGpu || forced ? await WebGpuBackend.create({ allowFallbackAdapter }).catch(() => null) : null;
    return new KernelDispatcher(gpu, wasm, policy, warn);
  }

  /** The WebGPU backend, when one is in use and not lost. */
  get webgpu(): WebGpuBackend | null {
    return this.gpu;
  }

  /** The backend `run` would use for `op` on these inputs. */
  choose(op: OpName, inputs: readonly Tensor[]): Backend {
    const elements = Math.max(0, ...inputs.map((t) => sizeOf(t.shape)));
    return chooseBackend(op, elements, this.availability, (b) => hasKernel(op, b), this.policy);
  }

  /** Validates and runs `op`, returning host tensors and the backend that ran it. */
  async run<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], backend?: Backend): Promise<DispatchResult> {
    checkOp(op, inputs, attrs);
    const chosen = backend ?? this.choose(op, inputs);
    if (chosen !== "webgpu") return { outputs: runCpu(op, chosen, inputs, attrs).map(toHost), backend: chosen };
    const gpu = this.gpu;
    try {
      if (!gpu || gpu.lost) throw new DeviceError("WebGPU device is not available");
      const outs = await gpu.run(op, inputs, attrs);
      try {
        return { outputs: await Promise.all(outs.map((t) => gpu.read(t))), backend: "webgpu" };
      } finally {
        outs.forEach((t) => gpu.release(t));
      }
    } catch (err) {
      if (!(err instanceof DeviceError) || backend === "webgpu" && this.gpu && !this.gpu.lost) throw err;
      this.fallBack(err.message);
      const cpu: Backend = this.availability.wasm && hasKernel(op, "wasm") ? "wasm" : "js";
      return { outputs: runCpu(op, cpu, inputs, attrs).map(toHost), backend: cpu };
    }
  }

  /** Releases the GPU device. */
  destroy(): void {
    this.gpu?.destroy();
    this.gpu = null;
  }

  private fallBack(reason: string): void {
    this.availability.webgpu = false;
    if (this.policy.force === "webgpu") delete this.policy.force;
    if (!this.warnedLost) {
      this.warnedLost = true;
      this.warn(`WebGPU device lost (${reason}); falling back to wasm for the rest of this run`);
    }
  }
}
