/**
 * Object references and the object store (DESIGN.md, OBJECT_REF): large payloads travel through
 * batches as `sluice.object_ref` rows and are materialized only when an operator asks for bytes.
 */

export * from "./object-uri.js";
export * from "./object-backend.js";
export * from "./object-store.js";
export * from "./file-backend.js";
export * from "./memory-backend.js";
export * from "./http-backend.js";
export * from "./byte-lru-cache.js";
export * from "./concurrency-limit.js";
export * from "./retry.js";
