/**
 * A WebGPU kernel is a function from input infos and attributes to a plain program description,
 * in the manner of onnxruntime-web's jsep ops: no GPU objects here, so descriptions can be built,
 * cached and tested without a device. The scheduler (scheduler/webgpu) compiles and dispatches.
 */

import type { TensorInfo } from "../tensor.js";

/** A value written into the program's uniform buffer, in declaration order. */
export interface ProgramUniform {
  type: "u32" | "i32" | "f32";
  data: number | readonly number[];
}

export interface ProgramInfo {
  /** Kernel name, the first part of the pipeline cache key and of every GPU label. */
  name: string;
  /**
   * Everything besides dtypes and ranks that changes the shader source (e.g. resize mode).
   * Shapes must not go here: they travel in uniforms so one pipeline serves many shapes.
   */
  cacheHint: string;
  /** Complete WGSL source. Bindings: inputs 0..n-1, outputs n..n+m-1, then the uniform buffer. */
  shaderSource: string;
  /** Output tensors to allocate. */
  outputs: TensorInfo[];
  /** Workgroups to dispatch, already split to respect maxComputeWorkgroupsPerDimension. */
  dispatch: readonly [number, number, number];
  /** Uniform values, packed by the scheduler with WGSL alignment rules. */
  uniforms: readonly ProgramUniform[];
}
