/**
 * What planning shares across steps and hands on to the run: one kernel dispatcher (one GPU
 * device for the whole pipeline), a model cache (a model named twice loads once), and the list
 * of things to release when the run — or a plan-only `explain` — ends.
 */

import { resolve } from "node:path";
import type { OpName } from "../../kernels/op-attrs.js";
import type { Backend } from "../../kernels/registry.js";
import type { Tensor } from "../../kernels/tensor.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { loadModel, type LoadModelOptions, type ModelRuntime } from "../../scheduler/models/index.js";
import { PlanError } from "../api/runtime-errors.js";
import type { KernelRunner } from "../functions/kernel-runner.js";
import { formatLocation, type LogicalPlan, type StepNode } from "./logical-plan.js";
import type { PlanContext } from "./op-definition.js";

export interface PlanSessionOptions {
  /** Use a GPU where one is available. Default true. */
  webgpu?: boolean;
  /** Acquire a software WebGPU adapter too (only worth it when a step forces webgpu). Default false. */
  softwareGpu?: boolean;
  /** Receives dispatcher warnings (device loss, missing wasm). Default: stderr. */
  warn?: (message: string) => void;
}

export class PlanSession {
  private readonly models = new Map<string, Promise<ModelRuntime>>();
  private readonly closers: (() => Promise<void> | void)[] = [];
  private closed = false;

  private constructor(readonly kernels: KernelDispatcher) {}

  static async create(opts: PlanSessionOptions = {}): Promise<PlanSession> {
    const kernels = await KernelDispatcher.create({ webgpu: opts.webgpu, softwareGpu: opts.softwareGpu ?? false, warn: opts.warn });
    return new PlanSession(kernels);
  }

  /** The context one step is planned in. */
  contextFor(plan: LogicalPlan, step: StepNode): PlanContext {
    const backend = step.backend ?? plan.options.backend ?? "auto";
    const dispatcher = this.kernels;
    const forced: Backend | undefined = backend === "auto" ? undefined : backend;
    const kernels: KernelRunner & { choose(op: OpName, inputs: readonly Tensor[]): Backend } = {
      run: (op, inputs, attrs) => dispatcher.run(op, inputs, attrs, forced),
      choose: (op, inputs) => forced ?? dispatcher.choose(op, inputs),
    };
    return {
      step,
      plan,
      kernels,
      resolvePath: (p) => resolve(plan.baseDir, p),
      error: (message, o = {}) =>
        new PlanError(message, {
          step: step.name,
          location: formatLocation((o.arg && step.argsAt?.[o.arg]) || step.at),
          cause: o.cause,
        }),
      kernelBackend: (op, inputs) => kernels.choose(op, inputs),
      loadModel: (path, opts) => this.loadModel(path, opts),
      onClose: (fn) => {
        this.closers.push(fn);
      },
    };
  }

  /** Loads a model once per (path, options); the run closes it. */
  loadModel(path: string, opts: LoadModelOptions = {}): Promise<ModelRuntime> {
    const key = JSON.stringify([path, { ...opts, onStateChange: undefined }]);
    let m = this.models.get(key);
    if (!m) {
      m = loadModel(path, opts);
      this.models.set(key, m);
      m.catch(() => this.models.delete(key));
    }
    return m;
  }

  /** Closes models, runs the registered closers (in reverse) and releases the GPU. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    for (const fn of this.closers.reverse()) await Promise.resolve().then(fn).catch((e: unknown) => errors.push(e));
    for (const m of this.models.values()) await m.then((x) => x.close()).catch(() => {});
    this.kernels.destroy();
    if (errors.length) throw errors[0];
  }
}
