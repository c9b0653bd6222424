/**
 * The filesystem steps two-phase commit relies on. A staged file is fsynced before it counts as
 * sealed; a rename is made durable by fsyncing the directory that holds the new name; and a
 * commit or abort that runs twice (recovery may repeat it) finds its work done and succeeds.
 */

import { access, open, rename, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { errnoCode } from "../errors.js";

/** Flushes a directory's entries (new, renamed or deleted names) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on directories; the rename itself already happened.
    if (!["EINVAL", "EPERM", "EISDIR", "EBADF"].includes(errnoCode(e) ?? "")) throw e;
  } finally {
    await fh?.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/** Deletes a file; a file already gone is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
}

/** Removes a directory if it is empty; one that is not (or is gone) is left as it is. */
export async function removeDirIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (e) {
    if (!["ENOENT", "ENOTEMPTY", "EEXIST"].includes(errnoCode(e) ?? "")) throw e;
  }
}

/** Outcome of an idempotent rename. */
export type MoveResult = "moved" | "already-done";

/**
 * Renames `from` to `to` atomically. When `from` is gone and `to` exists the rename already
 * happened (a repeated commit): that is success. When both are gone the data is lost: an error.
 */
export async function moveIdempotent(from: string, to: string): Promise<MoveResult> {
  try {
    await rename(from, to);
    return "moved";
  } catch (e) {
    if (errnoCode(e) === "ENOENT" && !(await exists(from)) && (await exists(to))) return "already-done";
    throw e;
  }
}
