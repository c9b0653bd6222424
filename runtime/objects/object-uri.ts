/**
 * Small helpers over `ObjectRef` (the plain form of a `sluice.object_ref` row): its scheme, the
 * byte range it selects, the key the cache files it under, and the error every backend raises.
 */

import { FetchError } from "../api/runtime-errors.js";
import type { ObjectRef } from "../types/object-ref.js";

export type { ObjectRef };

/** What `ObjectStore.get` accepts: a reference, or a bare URI meaning the whole object. */
export type ObjectRefLike = ObjectRef | string;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Turns a bare URI into a reference; references pass through unchanged. */
export function toObjectRef(ref: ObjectRefLike): ObjectRef {
  return typeof ref === "string" ? { uri: ref } : ref;
}

/** The lower-case scheme of a URI without its colon (`file`, `https`, `memory`). */
export function schemeOf(uri: string): string {
  const m = SCHEME.exec(uri);
  if (!m) throw new FetchError(`fetch ${JSON.stringify(uri)}: not a URI (expected a scheme such as file:, https:, memory:)`, { step: "fetch" });
  return m[1]!.toLowerCase();
}

/**
 * The cache key of a reference. The etag is part of it, so a reference pinned to a version never
 * hits bytes cached for another version; an unpinned reference means "whatever is there".
 */
export function refKey(ref: ObjectRef): string {
  return `${ref.uri}\u0000${ref.offset ?? ""}\u0000${ref.length ?? ""}\u0000${ref.etag ?? ""}`;
}

/** A reference in words for messages: the URI plus the range when it has one. */
export function describeRef(ref: ObjectRef): string {
  if (ref.offset === undefined && ref.length === undefined) return ref.uri;
  const start = ref.offset ?? 0;
  return `${ref.uri} [bytes ${start}..${ref.length === undefined ? "end" : start + ref.length})`;
}

/** A FetchError whose message starts with the reference, tagged with the `fetch` step. */
export function fetchError(
  ref: ObjectRef,
  detail: string,
  options: { retriable?: boolean; status?: number; cause?: unknown } = {},
): FetchError {
  return new FetchError(`fetch ${describeRef(ref)}: ${detail}`, { ...options, step: "fetch" });
}

/** The over-the-limit error, raised from a declared size (header, stat) or while streaming. */
export function tooLargeError(ref: ObjectRef, bytes: number | string, maxBytes: number): FetchError {
  return fetchError(ref, `object is too large: ${bytes} bytes, the limit is ${maxBytes}`);
}

/**
 * The byte range `[start, end)` a reference selects in an object of `size` bytes, checked: a
 * range that runs past the end is an error rather than a silently short read.
 */
export function resolveRange(ref: ObjectRef, size: number): { start: number; end: number } {
  const start = ref.offset ?? 0;
  const end = ref.length === undefined ? size : start + ref.length;
  if (start > size || end > size) {
    throw fetchError(ref, `range [${start}, ${end}) runs past the end of the object (${size} bytes)`);
  }
  return { start, end };
}
