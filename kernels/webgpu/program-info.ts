/**
 * A WebGPU kernel is a function from input infos and attributes to a plain program description,
 * in the manner of onnxruntime-web's jsep ops: no GPU objects here, so descriptions can be built,
 * cached and tested without a device. The scheduler (scheduler/webgpu) compiles and dispatches.
 *
 * Binding layout of every program (group 0):
 *   inputs 0..n-1 (read-only storage), outputs n..n+m-1 (read-write storage),
 *   the uniform buffer at n+m, then `constants` at n+m+1.. (read-only storage).
 * u8 tensors are stored packed 4 per u32 word (little-endian, element i in bits (i%4)*8..),
 * which is exactly the byte layout of a Uint8Array padded to a multiple of 4 bytes.
 */

import type { TensorInfo } from "../tensor.js";

/** Scalar types a uniform may hold. */
export type UniformType = "u32" | "i32" | "f32";

/**
 * A value written into the program's uniform buffer, in declaration order. A number is a scalar
 * member; an array becomes `array<vec4<T>, ceil(len/4)>` (uniform arrays need 16-byte strides).
 * Array lengths change the shader text, so they must follow from the ranks or the cache hint.
 */
export interface ProgramUniform {
  /** WGSL member name in the `Uniforms` struct (the shader reads `u.<name>`). */
  name: string;
  type: UniformType;
  data: number | readonly number[];
}

/** Host data a program needs besides its tensor inputs (coefficient tables, per-channel values). */
export interface ProgramConstant {
  type: "u32" | "i32" | "f32";
  data: readonly number[] | Uint32Array | Int32Array | Float32Array;
}

export interface ProgramInfo {
  /** Kernel name, the first part of the pipeline cache key and of every GPU label. */
  name: string;
  /**
   * Everything besides dtypes and ranks that changes the shader source (e.g. resize mode).
   * Shapes must not go here: they travel in uniforms so one pipeline serves many shapes.
   */
  cacheHint: string;
  /** Complete WGSL source; the entry point is `main`. Bindings: see the file comment. */
  shaderSource: string;
  /** Output tensors to allocate. */
  outputs: TensorInfo[];
  /** Workgroups to dispatch, already split to respect maxComputeWorkgroupsPerDimension. */
  dispatch: readonly [number, number, number];
  /** Uniform values, packed by the scheduler with WGSL alignment rules (see uniforms.ts). */
  uniforms: readonly ProgramUniform[];
  /** Read-only storage buffers bound after the uniform buffer; their contents are not in the cache key. */
  constants?: readonly ProgramConstant[];
  /**
   * The shader is the same for every rank (flat elementwise programs), so the cache key says
   * `*` instead of the ranks and one pipeline serves tensors of any rank.
   */
  rankIndependent?: boolean;
}

/**
 * The pipeline cache key and GPU label of a program run on `inputs`:
 * `name|hint|in-dtypes>out-dtypes|ranks`. Shapes are deliberately absent.
 */
export function programKey(program: Pick<ProgramInfo, "name" | "cacheHint" | "outputs" | "rankIndependent">, inputs: readonly TensorInfo[]): string {
  const dtypes = `${inputs.map((t) => t.dtype).join(",")}>${program.outputs.map((t) => t.dtype).join(",")}`;
  const ranks = program.rankIndependent ? "*" : `${inputs.map((t) => t.shape.length).join(",")}>${program.outputs.map((t) => t.shape.length).join(",")}`;
  return `${program.name}|${program.cacheHint}|${dtypes}|${ranks}`;
}
