/**
 * Uniform buffer layout, shared by the program builders (which declare the WGSL struct) and the
 * executor (which packs the bytes), so the two can never disagree. WGSL uniform rules: scalars
 * align to 4 bytes; arrays must have a 16-byte element stride, so an array of n scalars is
 * declared `array<vec4<T>, ceil(n/4)>` and read as `u.name[i / 4u][i % 4u]`; the struct size is
 * a multiple of 16.
 */

import type { ProgramUniform } from "./program-info.js";

interface Slot {
  uniform: ProgramUniform;
  offset: number;
  /** Number of vec4 elements for arrays; 0 for scalars. */
  vec4s: number;
}

function layout(uniforms: readonly ProgramUniform[]): { slots: Slot[]; size: number } {
  const slots: Slot[] = [];
  let offset = 0;
  for (const u of uniforms) {
    if (typeof u.data === "number") {
      slots.push({ uniform: u, offset, vec4s: 0 });
      offset += 4;
    } else {
      offset = Math.ceil(offset / 16) * 16;
      // A zero-length array is not legal WGSL, so rank-0 shapes still get one vec4.
      const vec4s = Math.max(1, Math.ceil(u.data.length / 4));
      slots.push({ uniform: u, offset, vec4s });
      offset += vec4s * 16;
    }
  }
  return { slots, size: Math.max(16, Math.ceil(offset / 16) * 16) };
}

/** Byte size of the uniform buffer for these uniforms (a multiple of 16, at least 16). */
export function uniformByteSize(uniforms: readonly ProgramUniform[]): number {
  return layout(uniforms).size;
}

/** The `struct Uniforms {…}` declaration and its binding, bound as `u`. */
export function uniformsWgsl(uniforms: readonly ProgramUniform[], binding: number): string {
  const members = uniforms.map((u) => (typeof u.data === "number" ? `  ${u.name}: ${u.type},` : `  ${u.name}: array<vec4<${u.type}>, ${Math.max(1, Math.ceil(u.data.length / 4))}>,`));
  if (members.length === 0) members.push("  _unused: u32,");
  return `struct Uniforms {\n${members.join("\n")}\n};\n@group(0) @binding(${binding}) var<uniform> u: Uniforms;\n`;
}

/** WGSL that reads element `i` (a WGSL expression or a constant) of the uniform array `name`. */
export function uniformAt(name: string, i: number | string): string {
  return typeof i === "number" ? `u.${name}[${i >> 2}][${i & 3}]` : `u.${name}[(${i}) / 4u][(${i}) % 4u]`;
}

/** Packs the uniform values into the bytes the WGSL struct expects. Non-finite f32 values are kept. */
export function packUniforms(uniforms: readonly ProgramUniform[]): ArrayBuffer {
  const { slots, size } = layout(uniforms);
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  const put = (offset: number, type: ProgramUniform["type"], v: number): void => {
    if (type === "f32") view.setFloat32(offset, v, true);
    else if (type === "i32") view.setInt32(offset, v, true);
    else view.setUint32(offset, v >>> 0, true);
  };
  for (const { uniform, offset } of slots) {
    if (typeof uniform.data === "number") put(offset, uniform.type, uniform.data);
    else uniform.data.forEach((v, i) => put(offset + i * 4, uniform.type, v));
  }
  return buf;
}
