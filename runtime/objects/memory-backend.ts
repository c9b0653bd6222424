/**
 * `memory://` objects: an in-process map for tests and for intermediate blobs sluice creates
 * (spilled frames, staged payloads). Each object carries a reference count; it starts at 1 for
 * the creator and the object is deleted when the count reaches 0, so a blob lives exactly as
 * long as some batch or checkpoint holds it.
 */

import { SluiceError } from "../../kernels/errors.js";
import type { ObjectRef } from "./object-uri.js";
import { fetchError, resolveRange, tooLargeError } from "./object-uri.js";
import type { PutOptions, ReadRequest, WritableObjectBackend } from "./object-backend.js";

interface Entry {
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
  refs: number;
}

const PREFIX = "memory://";

export class MemoryObjectBackend implements WritableObjectBackend {
  readonly schemes = ["memory"] as const;
  readonly cacheable = false;
  private readonly objects = new Map<string, Entry>();
  private next = 0;
  private held = 0;

  /**
   * Stores `bytes` (kept, not copied: do not modify them afterwards) and returns the reference,
   * held once by the caller. A `key` that is already taken is an error, never an overwrite.
   */
  put(bytes: Uint8Array, options: PutOptions = {}): ObjectRef {
    let uri: string;
    if (options.key !== undefined) {
      uri = PREFIX + options.key;
      if (this.objects.has(uri)) throw new SluiceError(`memory store: ${uri} already exists`);
    } else {
      do uri = `${PREFIX}blob/${this.next++}`;
      while (this.objects.has(uri));
    }
    this.objects.set(uri, { bytes, contentType: options.contentType, refs: 1 });
    this.held += bytes.byteLength;
    return { uri, length: bytes.byteLength, ...(options.contentType === undefined ? {} : { contentType: options.contentType }) };
  }

  retain(ref: ObjectRef): void {
    this.entry(ref, "retain").refs++;
  }

  release(ref: ObjectRef): boolean {
    const e = this.entry(ref, "release");
    if (--e.refs > 0) return false;
    this.objects.delete(ref.uri);
    this.held -= e.bytes.byteLength;
    return true;
  }

  /** Holders of the object now; 0 when it does not exist (never created or already freed). */
  refCount(uri: string): number {
    return this.objects.get(uri)?.refs ?? 0;
  }

  /** Objects held now. */
  get count(): number {
    return this.objects.size;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  async read({ ref, maxBytes }: ReadRequest): Promise<Uint8Array> {
    const e = this.objects.get(ref.uri);
    if (!e) throw fetchError(ref, "no such object (never stored, or released by its last holder)");
    const { start, end } = resolveRange(ref, e.bytes.byteLength);
    if (end - start > maxBytes) throw tooLargeError(ref, end - start, maxBytes);
    return e.bytes.subarray(start, end);
  }

  private entry(ref: ObjectRef, what: string): Entry {
    const e = this.objects.get(ref.uri);
    if (!e) throw new SluiceError(`memory store: cannot ${what} ${ref.uri}: it is not held (never stored, or already released)`);
    return e;
  }
}
