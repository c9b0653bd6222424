/**
 * `file://` objects, confined to allowed roots. The check runs on the fully resolved path
 * (symlinks and `..` resolved by `realpath`), and the file opened is that resolved path with
 * O_NOFOLLOW, so neither a `..` in the URI nor a symlink inside a root that points outside it
 * reaches a file outside the roots.
 */

import { constants, realpathSync } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SluiceError } from "../../kernels/errors.js";
import type { ObjectBackend, ReadRequest } from "./object-backend.js";
import { fetchError, resolveRange, tooLargeError, type ObjectRef } from "./object-uri.js";

export interface FileBackendOptions {
  /**
   * Directories whose files may be read (absolute, or relative to the working directory). They
   * must exist when the backend is created; each is resolved through its own symlinks once.
   */
  readonly roots: readonly string[];
}

export class FileObjectBackend implements ObjectBackend {
  readonly schemes = ["file"] as const;
  readonly cacheable = true;
  /** The resolved roots, for messages and checks. */
  readonly roots: readonly string[];

  constructor(options: FileBackendOptions) {
    if (options.roots.length === 0) throw new SluiceError("file object store: no allowed roots given; name at least one directory that file:// objects may come from");
    this.roots = options.roots.map((r) => {
      try {
        return realpathSync(resolve(r));
      } catch (err) {
        throw new SluiceError(`file object store: allowed root ${JSON.stringify(r)} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
      }
    });
  }

  /** Whether a resolved absolute path lies inside one of the roots. */
  isAllowed(realPath: string): boolean {
    return this.roots.some((root) => realPath === root || realPath.startsWith(root.endsWith(sep) ? root : root + sep));
  }

  async read({ ref, maxBytes }: ReadRequest): Promise<Uint8Array> {
    const real = await this.resolveAllowed(ref);
    let file;
    try {
      file = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw ioError(ref, "cannot open", err);
    }
    try {
      const st = await file.stat();
      if (!st.isFile()) throw fetchError(ref, "not a regular file");
      const { start, end } = resolveRange(ref, st.size);
      if (end - start > maxBytes) throw tooLargeError(ref, end - start, maxBytes);
      const out = new Uint8Array(end - start);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await file.read(out, filled, out.length - filled, start + filled);
        // The file shrank between stat and read: report it rather than return zeros.
        if (bytesRead === 0) throw fetchError(ref, `file ended after ${filled} of ${out.length} bytes (changed while reading?)`, { retriable: true });
        filled += bytesRead;
      }
      return out;
    } finally {
      await file.close();
    }
  }

  private async resolveAllowed(ref: ObjectRef): Promise<string> {
    let path: string;
    try {
      path = fileURLToPath(ref.uri);
    } catch (err) {
      throw fetchError(ref, `not a valid file URI (${(err as Error).message})`, { cause: err });
    }
    if (!isAbsolute(path)) throw fetchError(ref, "file URI must be absolute");
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      throw ioError(ref, "cannot resolve", err);
    }
    if (!this.isAllowed(real)) {
      const via = real === path ? "" : ` (resolves to ${real})`;
      throw fetchError(ref, `${path}${via} is outside the allowed roots [${this.roots.join(", ")}]`);
    }
    return real;
  }
}

function ioError(ref: ObjectRef, what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code ?? String(err);
  // EMFILE / EAGAIN are the machine being busy, not the object being bad.
  return fetchError(ref, `${what}: ${why}`, { cause: err, retriable: code === "EMFILE" || code === "ENFILE" || code === "EAGAIN" });
}
