/** The WebGPU executor: device acquisition, pipeline cache, buffer pool, device tensors. */

export { WebGpuBackend, type DeviceLostInfo, type GpuInput, type WebGpuBackendOptions, type WebGpuStats } from "./webgpu-backend.js";
export { GpuTensor } from "./gpu-tensor.js";
export { acquireDevice, getGpu, type AcquireOptions, type GpuAdapterSummary, type GpuLimitsSummary } from "./gpu-device.js";
export { BufferPool, sizeClass, type BufferKind, type BufferPoolStats } from "./buffer-pool.js";
export { PipelineCache, type CompiledProgram, type PipelineCacheStats } from "./pipeline-cache.js";
