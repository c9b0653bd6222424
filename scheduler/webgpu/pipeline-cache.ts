/**
 * Compiles program descriptions into labelled shader modules and compute pipelines, cached by
 * `name|hint|dtypes|ranks`. A WGSL error becomes a ShaderCompileError carrying the label and the
 * compiler's messages. Bind group layouts are explicit (not 'auto'), so a binding the shader
 * happens not to use never breaks bind group creation.
 */

import { ShaderCompileError } from "../../kernels/errors.js";
import type { TensorInfo } from "../../kernels/tensor.js";
import { programKey, type ProgramInfo } from "../../kernels/webgpu/program-info.js";

export interface CompiledProgram {
  key: string;
  pipeline: GPUComputePipeline;
  bindGroupLayout: GPUBindGroupLayout;
  /** Kept to detect two different shaders under one key (an incomplete cache hint). */
  source: string;
}

export interface PipelineCacheStats {
  pipelinesCompiled: number;
  cacheHits: number;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<CompiledProgram>>();
  private readonly layouts = new Map<string, { bindGroupLayout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout }>();
  private readonly counters: PipelineCacheStats = { pipelinesCompiled: 0, cacheHits: 0 };

  constructor(private readonly device: GPUDevice) {}

  /** The compiled pipeline for `program` run on `inputs`, compiling it on first use. */
  async get(program: ProgramInfo, inputs: readonly TensorInfo[]): Promise<CompiledProgram> {
    const key = programKey(program, inputs);
    const cached = this.pipelines.get(key);
    if (cached) {
      this.counters.cacheHits++;
      const compiled = await cached;
      if (compiled.source !== program.shaderSource) {
        throw new Error(`pipeline cache: two different shaders share the key '${key}'; the program's cacheHint is incomplete`);
      }
      return compiled;
    }
    const pending = this.compile(key, program, inputs.length);
    this.pipelines.set(key, pending);
    // A failed compile is not cached: the error names the program and the next call retries.
    pending.catch(() => this.pipelines.delete(key));
    return pending;
  }

  get stats(): PipelineCacheStats {
    return { ...this.counters };
  }

  private layoutFor(nIn: number, nOut: number, nConst: number): { bindGroupLayout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout } {
    const sig = `${nIn},${nOut},${nConst}`;
    let l = this.layouts.get(sig);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      const add = (type: GPUBufferBindingType): void => {
        entries.push({ binding: entries.length, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
      };
      for (let i = 0; i < nIn; i++) add("read-only-storage");
      for (let i = 0; i < nOut; i++) add("storage");
      add("uniform");
      for (let i = 0; i < nConst; i++) add("read-only-storage");
      const bindGroupLayout = this.device.createBindGroupLayout({ label: `sluice-layout(${sig})`, entries });
      const pipelineLayout = this.device.createPipelineLayout({ label: `sluice-layout(${sig})`, bindGroupLayouts: [bindGroupLayout] });
      this.layouts.set(sig, (l = { bindGroupLayout, pipelineLayout }));
    }
    return l;
  }

  private async compile(key: string, program: ProgramInfo, nIn: number): Promise<CompiledProgram> {
    const { bindGroupLayout, pipelineLayout } = this.layoutFor(nIn, program.outputs.length, program.constants?.length ?? 0);
    const device = this.device;
    // Push and pop in the same synchronous stretch, so no other work lands in these scopes.
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ label: key, code: program.shaderSource });
    const moduleError = device.popErrorScope();
    device.pushErrorScope("validation");
    const pipelinePromise = device.createComputePipelineAsync({ label: key, layout: pipelineLayout, compute: { module, entryPoint: "main" } });
    const pipelineScope = device.popErrorScope();
    let pipeline: GPUComputePipeline | undefined;
    let failure: string | undefined;
    try {
      pipeline = await pipelinePromise;
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    const scopeErrors = (await Promise.all([moduleError, pipelineScope])).filter((e): e is GPUError => e !== null);
    if (!pipeline || scopeErrors.length > 0) {
      const info = await module.getCompilationInfo();
      // Errors first; Tint's notes (e.g. "parsed as template list") explain them, so keep them too.
      const messages = [...info.messages]
        .sort((a, b) => Number(b.type === "error") - Number(a.type === "error"))
        .map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`);
      if (messages.length === 0) messages.push(...scopeErrors.map((e) => e.message), ...(failure ? [failure] : []));
      throw new ShaderCompileError(key, messages, program.shaderSource);
    }
    this.counters.pipelinesCompiled++;
    return { key, pipeline, bindGroupLayout, source: program.shaderSource };
  }
}
