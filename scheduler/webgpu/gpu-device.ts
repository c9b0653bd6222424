/**
 * Finding a WebGPU adapter and device: `navigator.gpu` in browsers, Dawn through the `webgpu`
 * package in Node. Dawn's GPU object is held in a module-level variable for the life of the
 * process: once it is garbage-collected the process aborts on the next Dawn event.
 */

/** What the adapter says about itself; `isFallbackAdapter` is true for software adapters. */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** The device limits the executor and the planner care about. */
export interface GpuLimitsSummary {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxUniformBufferBindingSize: number;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Accept a software (fallback) adapter such as llvmpipe or SwiftShader. Default true. */
  allowFallbackAdapter?: boolean;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: GpuAdapterSummary;
  limits: GpuLimitsSummary;
}

// Never cleared: see the file comment.
let dawnGpu: GPU | undefined;
let dawnLoad: Promise<GPU | null> | undefined;

async function loadDawn(): Promise<GPU | null> {
  try {
    const mod = (await import("webgpu")) as { create(flags: string[]): GPU; globals: object };
    // GPUBufferUsage, GPUMapMode, … are globals in browsers; Dawn provides them separately.
    Object.assign(globalThis, mod.globals);
    dawnGpu = mod.create([]);
    return dawnGpu;
  } catch {
    return null;
  }
}

/** The platform's GPU entry point, or null when there is none. */
export async function getGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (dawnGpu) return dawnGpu;
  const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
  if (!isNode) return null;
  dawnLoad ??= loadDawn();
  return dawnLoad;
}

function summarizeInfo(adapter: GPUAdapter): GpuAdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    description: info.description ?? "",
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy ?? false),
  };
}

function summarizeLimits(l: GPUSupportedLimits): GpuLimitsSummary {
  return {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxUniformBufferBindingSize: l.maxUniformBufferBindingSize,
  };
}

/**
 * Requests an adapter and a device with the adapter's largest buffer limits (the defaults cap
 * storage bindings at 128 MiB). Returns null when the platform has no usable adapter.
 */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<AcquiredDevice | null> {
  const gpu = await getGpu();
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) return null;
  const info = summarizeInfo(adapter);
  if (info.isFallbackAdapter && opts.allowFallbackAdapter === false) return null;
  const a = adapter.limits;
  const device = await adapter.requestDevice({
    label: "sluice",
    requiredLimits: {
      maxBufferSize: a.maxBufferSize,
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    },
  });
  return { adapter, device, info, limits: summarizeLimits(device.limits) };
}
