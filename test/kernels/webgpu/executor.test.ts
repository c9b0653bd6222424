/**
 * The WebGPU executor: compile errors, the pipeline cache, the buffer pool, device tensors,
 * transfers, release rules and device loss.
 */

import { describe, expect, it } from "vitest";
import { DeviceError, ShaderCompileError } from "../../../kernels/errors.js";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import type { ProgramInfo } from "../../../kernels/webgpu/program-info.js";
import { WebGpuBackend, type DeviceLostInfo } from "../../../scheduler/webgpu/index.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { EDGE_LENGTHS, randomTensor, rng } from "../../helpers/random-tensors.js";
import { runGpu, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

/** A program with the given source that maps one f32 input to one f32 output of 4 elements. */
function rawProgram(name: string, shaderSource: string, cacheHint = "test"): ProgramInfo {
  return { name, cacheHint, shaderSource, outputs: [{ dtype: "f32", shape: [4] }], dispatch: [1, 1, 1], uniforms: [{ name: "n", type: "u32", data: 4 }] };
}

const COPY_SHADER = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Uniforms { n: u32 };
@group(0) @binding(2) var<uniform> u: Uniforms;
@compute @workgroup_size(4)
fn main(@builtin(local_invocation_index) i: u32) { if (i < u.n) { y[i] = x[i] * 2.0; } }
`;

describe.skipIf(!gpu)("webgpu executor", () => {
  it("exposes the adapter and the key limits", () => {
    expect(typeof gpu!.info.vendor).toBe("string");
    expect(typeof gpu!.info.isFallbackAdapter).toBe("boolean");
    expect(gpu!.info.description.length + gpu!.info.device.length + gpu!.info.vendor.length).toBeGreaterThan(0);
    expect(gpu!.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    expect(gpu!.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(gpu!.lost).toBe(false);
  });

  it("runs a raw program description", async () => {
    const [y] = await gpu!.runProgram(rawProgram("double", COPY_SHADER), [tensor("f32", [4], [1, 2, 3, -4])]);
    expect([...(await gpu!.read(y!)).data]).toEqual([2, 4, 6, -8]);
    gpu!.release(y!);
  });

  it("a WGSL error surfaces as ShaderCompileError with the label and the compiler's message", async () => {
    const broken = rawProgram("broken", COPY_SHADER.replace("y[i] = x[i] * 2.0;", "let bad: f32 = 1u; y[i] = bad;"));
    const x = tensor("f32", [4], [1, 2, 3, 4]);
    const err = await gpu!.runProgram(broken, [x]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    const e = err as ShaderCompileError;
    expect(e.label).toBe("broken|test|f32>f32|1>1");
    expect(e.messages.join("\n")).toMatch(/u32/);
    expect(e.message).toContain("broken|test");
    expect(e.message).toContain("let bad: f32 = 1u;");
    // Failures are not cached: the next call compiles (and fails) again rather than hanging.
    await expect(gpu!.runProgram(broken, [x])).rejects.toBeInstanceOf(ShaderCompileError);
    expect(gpu!.stats.liveBytes).toBe(0);
  });

  it("a pipeline validation error (missing entry point) is a ShaderCompileError too", async () => {
    const noMain = rawProgram("no-main", COPY_SHADER.replace("fn main(", "fn other("));
    const err = await gpu!.runProgram(noMain, [tensor("f32", [4])]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect((err as ShaderCompileError).label).toBe("no-main|test|f32>f32|1>1");
    expect((err as ShaderCompileError).messages.join("\n")).toMatch(/main/);
  });

  it("compiles an op once for two different shapes of the same ranks", async () => {
    const r = rng(61);
    const s0 = gpu!.stats;
    await runGpu(gpu!, "centerCrop", [randomTensor("f32", [9, 8, 3], r)], { size: [4, 4] });
    await runGpu(gpu!, "centerCrop", [randomTensor("f32", [31, 17, 2], r)], { size: [5, 3] });
    const s1 = gpu!.stats;
    expect(s1.pipelinesCompiled - s0.pipelinesCompiled).toBe(1);
    expect(s1.cacheHits - s0.cacheHits).toBe(1);
    expect(s1.dispatches - s0.dispatches).toBe(2);
  });

  it("refuses two different shaders under one cache key (an incomplete cache hint)", async () => {
    const x = tensor("f32", [4], [1, 2, 3, 4]);
    await runGpu2(rawProgram("twin", COPY_SHADER, "same"), x);
    const other = rawProgram("twin", COPY_SHADER.replace("* 2.0", "* 3.0"), "same");
    await expect(gpu!.runProgram(other, [x])).rejects.toThrow(/cacheHint is incomplete/);
  });

  it("round-trips every dtype, including u8 at lengths that are not a multiple of 4 and empty tensors", async () => {
    const r = rng(62);
    const before = gpu!.stats;
    let bytes = 0;
    for (const n of EDGE_LENGTHS) {
      for (const dtype of ["u8", "i32", "f32"] as const) {
        const t = randomTensor(dtype, [n], r, { special: 0.05 });
        const g = gpu!.upload(t);
        expectTensorClose(await gpu!.read(g), t, { atol: 0, rtol: 0 });
        gpu!.release(g);
        bytes += t.data.byteLength;
      }
    }
    const after = gpu!.stats;
    expect(after.bytesUploaded - before.bytesUploaded).toBe(bytes);
    expect(after.bytesReadBack - before.bytesReadBack).toBe(bytes);
  });

  it("uploads from views into a larger or shared buffer", async () => {
    const big = new Uint8Array([9, 1, 2, 3, 4, 5, 6, 7]);
    const view: Tensor = { dtype: "u8", shape: [5], data: big.subarray(1, 6) };
    const g = gpu!.upload(view);
    expect([...(await gpu!.read(g)).data]).toEqual([1, 2, 3, 4, 5]);
    gpu!.release(g);
    const shared = new Float32Array(new SharedArrayBuffer(12));
    shared.set([1.5, -2, 3]);
    const h = gpu!.upload({ dtype: "f32", shape: [3], data: shared as unknown as Float32Array });
    expect([...(await gpu!.read(h)).data]).toEqual([1.5, -2, 3]);
    gpu!.release(h);
  });

  it("reuses released buffers of the same size class", async () => {
    const t = randomTensor("f32", [1000], rng(63));
    gpu!.release(gpu!.upload(t));
    const s0 = gpu!.stats;
    const g = gpu!.upload(randomTensor("f32", [990], rng(64)));
    const s1 = gpu!.stats;
    expect(s1.buffersCreated).toBe(s0.buffersCreated);
    expect(s1.buffersReused - s0.buffersReused).toBe(1);
    gpu!.release(g);
  });

  it("keeps chained intermediates on the device and frees every temporary", async () => {
    const r = rng(65);
    const x = randomTensor("u8", [17, 19, 3], r);
    const base = gpu!.stats;
    const [resized] = await gpu!.run("resize", [x], { size: [8, 8] });
    const [norm] = await gpu!.run("normalize", [resized!], { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] });
    const [probs] = await gpu!.run("softmax", [norm!], { axis: 0 });
    const mid = gpu!.stats;
    expect(mid.bytesReadBack).toBe(base.bytesReadBack);
    expect(mid.bytesUploaded - base.bytesUploaded).toBeLessThan(x.data.byteLength + 4096); // the image plus small tables
    const out = await gpu!.read(probs!);
    for (const t of [resized!, norm!, probs!]) gpu!.release(t);
    expect(gpu!.stats.liveBytes).toBe(base.liveBytes);
    expect(out.shape).toEqual([3, 8, 8]);
  });

  it("defers a release while a run that reads the tensor is still compiling", async () => {
    const x = gpu!.upload(tensor("f32", [4], [1, 2, 3, 4]));
    const running = gpu!.runProgram(rawProgram("deferred", COPY_SHADER, String(Math.random())), [x]);
    gpu!.release(x);
    expect(x.released).toBe(false);
    // A buffer released now would be handed to this upload and overwritten before the dispatch.
    const clobber = gpu!.upload(tensor("f32", [4], [9, 9, 9, 9]));
    const [y] = await running;
    expect(x.released).toBe(true);
    expect([...(await gpu!.read(y!)).data]).toEqual([2, 4, 6, 8]);
    gpu!.release(y!);
    gpu!.release(clobber);
  });

  it("counts errors raised outside any error scope", async () => {
    const before = gpu!.stats.uncapturedErrors;
    // MAP_READ may only be combined with COPY_DST: an invalid buffer, reported asynchronously.
    gpu!.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    await expect.poll(() => gpu!.stats.uncapturedErrors).toBe(before + 1);
    expect(gpu!.lastUncapturedError).toMatch(/usage/i);
  });

  it("rejects released tensors", async () => {
    const g = gpu!.upload(tensor("f32", [2], [1, 2]));
    gpu!.release(g);
    gpu!.release(g); // idempotent
    await expect(gpu!.read(g)).rejects.toThrow(/after release/);
    await expect(gpu!.run("neg", [g], {})).rejects.toThrow(/after release/);
  });

  it("flags device loss, calls onLost, and refuses further work; tensors cannot cross backends", async () => {
    const other = await WebGpuBackend.create();
    expect(other).not.toBeNull();
    const foreign = other!.upload(tensor("f32", [2], [1, 2]));
    await expect(gpu!.run("neg", [foreign], {})).rejects.toBeInstanceOf(DeviceError);
    const seen: DeviceLostInfo[] = [];
    other!.onLost((info) => seen.push(info));
    // Destroying the device behind the backend's back stands in for a driver reset.
    other!.device.destroy();
    await expect.poll(() => other!.lost).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.reason).toBe("destroyed");
    await expect(other!.run("neg", [tensor("f32", [2], [1, 2])], {})).rejects.toBeInstanceOf(DeviceError);
    expect(() => other!.upload(tensor("f32", [1], [1]))).toThrow(DeviceError);
    other!.destroy();
  });

  it("does not call onLost for an intentional destroy", async () => {
    const other = await WebGpuBackend.create();
    let called = 0;
    other!.onLost(() => called++);
    other!.destroy();
    expect(other!.lost).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(called).toBe(0);
    await expect(other!.run("neg", [tensor("f32", [1], [1])], {})).rejects.toBeInstanceOf(DeviceError);
  });
});

async function runGpu2(program: ProgramInfo, x: Tensor): Promise<void> {
  const outs = await gpu!.runProgram(program, [x]);
  for (const o of outs) gpu!.release(o);
}
