/**
 * The plug-in point of the object store: one backend per URI scheme family. A backend only knows
 * how to read bytes for a reference; limits, caching and routing live in the store, so a new
 * backend (s3://, gs://) is one `read` method.
 */

import type { ObjectRef } from "./object-uri.js";

export interface ReadRequest {
  readonly ref: ObjectRef;
  /**
   * The most bytes the caller accepts for the selected range. Backends check it against the
   * declared size before reading (stat, Content-Length) and again while bytes arrive, since a
   * declared size can lie or be missing.
   */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

export interface ObjectBackend {
  /** Lower-case URI schemes this backend serves, without the colon. */
  readonly schemes: readonly string[];
  /**
   * Whether the store may keep this backend's bytes in its cache. In-memory backends say no:
   * their bytes already live in memory and a cached copy would only double it.
   */
  readonly cacheable: boolean;
  /** The bytes of the reference's range; a failure is a `FetchError` naming the reference. */
  read(request: ReadRequest): Promise<Uint8Array>;
}

/** A backend for objects sluice creates: written by `put`, freed when the last holder releases. */
export interface WritableObjectBackend extends ObjectBackend {
  put(bytes: Uint8Array, options?: PutOptions): ObjectRef;
  /** Adds a holder of the object. */
  retain(ref: ObjectRef): void;
  /** Removes a holder; returns true when that was the last one and the object is gone. */
  release(ref: ObjectRef): boolean;
}

export interface PutOptions {
  readonly contentType?: string;
  /** A chosen name (the URI becomes `memory://<key>`); default: a generated unique one. */
  readonly key?: string;
}

export function isWritableBackend(b: ObjectBackend): b is WritableObjectBackend {
  const w = b as Partial<WritableObjectBackend>;
  return typeof w.put === "function" && typeof w.retain === "function" && typeof w.release === "function";
}
