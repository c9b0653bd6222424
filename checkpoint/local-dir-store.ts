/**
 * A `StateStore` in a local (or mounted) directory:
 *
 *   dir/chk-000000000042/_manifest.json   metadata, and every part file with its size and SHA-256
 *   dir/chk-000000000042/0-source.json    one file per part (names in the manifest, not the file)
 *   dir/chk-000000000042/1-embed.bin
 *
 * A checkpoint is built in `dir/.tmp-<id>-<random>/`, every file and the directory are fsynced,
 * and only then is it renamed to `chk-<id>` (atomic within one file system) and `dir` fsynced. A
 * crash therefore leaves either no `chk-<id>` or a complete one; a half-written attempt is a
 * stale `.tmp-*` that the next recovery removes. The checksums catch what the rename protocol
 * cannot: bit rot, a truncating copy, someone editing files by hand. Recovery walks checkpoints
 * newest first and takes the first that verifies.
 *
 * One writer per directory: recovery removes `.tmp-*` dirs, which would break a second writer.
 */

import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Json } from "../runtime/api/stream.js";
import { CheckpointError } from "./checkpoint-error.js";
import type {
  Checkpoint,
  CheckpointInfo,
  CheckpointPart,
  CheckpointPartKind,
  LoadedCheckpoint,
  StateStore,
} from "./state-store.js";

export interface LocalDirStoreOptions {
  /** How many checkpoints to keep; older ones are removed after each successful write. Default 3. */
  keep?: number;
  /** Where skipped checkpoints and ignored files are reported. Default `console.warn`. */
  warn?: (message: string) => void;
}

/** Bumped when the layout changes in a way an older reader would misread. */
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = "_manifest.json";
const MANIFEST_FORMAT = "sluice-checkpoint";
const CHECKPOINT_DIR = /^chk-(\d+)$/;
const TMP_PREFIX = ".tmp-";
/** Wide enough that `ls` sorts ids numerically for any realistic job. */
const ID_WIDTH = 12;

interface ManifestPart {
  name: string;
  file: string;
  kind: CheckpointPartKind;
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  id: number;
  createdAt: number;
  pipeline: string;
  planFingerprint: string;
  parts: ManifestPart[];
}

/** The manifest file also carries a checksum of itself, so a flipped byte in metadata is caught. */
interface ManifestFile extends Manifest {
  manifestSha256: string;
}

/** Why a checkpoint directory did not verify; turned into a warning or a `read` error. */
class InvalidCheckpoint extends Error {}

export class LocalDirStore implements StateStore {
  readonly location: string;
  private readonly keep: number;
  private readonly warn: (message: string) => void;
  /** Foreign entries already warned about, so each scan does not repeat the warning. */
  private readonly warnedForeign = new Set<string>();

  constructor(dir: string, options: LocalDirStoreOptions = {}) {
    this.location = dir;
    this.keep = checkKeep(options.keep ?? 3);
    this.warn = options.warn ?? ((message) => console.warn(message));
  }

  async write(checkpoint: Checkpoint): Promise<CheckpointInfo> {
    checkCheckpoint(checkpoint);
    const encoded = encodeParts(checkpoint);
    await this.ensureDir();
    const next = await this.nextId();
    if (checkpoint.id < next) {
      throw new CheckpointError(
        `checkpoint id ${checkpoint.id} is not larger than every checkpoint already in ` +
          `${this.location}; the next id must be at least ${next}`,
      );
    }

    const tmp = join(this.location, `${TMP_PREFIX}${checkpoint.id}-${randomBytes(6).toString("hex")}`);
    const final = join(this.location, checkpointDirName(checkpoint.id));
    try {
      await mkdir(tmp);
      const parts: ManifestPart[] = [];
      for (const part of encoded) {
        await writeFileSynced(join(tmp, part.file), part.data);
        parts.push({ name: part.name, file: part.file, kind: part.kind, bytes: part.data.byteLength, sha256: sha256(part.data) });
      }
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        version: MANIFEST_VERSION,
        id: checkpoint.id,
        createdAt: checkpoint.createdAt,
        pipeline: checkpoint.pipeline,
        planFingerprint: checkpoint.planFingerprint,
        parts,
      };
      await writeFileSynced(join(tmp, MANIFEST_FILE), Buffer.from(serializeManifest(manifest)));
      await fsyncDir(tmp);
      await rename(tmp, final);
      await fsyncDir(this.location);
      const info = this.infoOf(manifest, final);

      // The checkpoint is durable at this point; failing to prune must not report it as failed.
      await this.prune(this.keep).catch((error: unknown) =>
        this.warn(`checkpoint: could not prune old checkpoints in ${this.location}: ${describe(error)}`),
      );
      return info;
    } catch (error) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof CheckpointError) throw error;
      throw new CheckpointError(`could not write checkpoint ${checkpoint.id} to ${final}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  async latest(): Promise<LoadedCheckpoint | undefined> {
    const ids = await this.scan({ removeStaleTmp: true });
    for (const id of [...ids].reverse()) {
      const dir = join(this.location, checkpointDirName(id));
      try {
        return await this.load(id, dir);
      } catch (error) {
        if (!(error instanceof InvalidCheckpoint)) throw error;
        this.warn(`checkpoint: skipping ${dir}: ${error.message}; trying an older checkpoint`);
      }
    }
    return undefined;
  }

  async list(): Promise<CheckpointInfo[]> {
    const infos: CheckpointInfo[] = [];
    for (const id of await this.scan({ removeStaleTmp: false })) {
      const dir = join(this.location, checkpointDirName(id));
      try {
        const { parts: _parts, ...info } = await this.load(id, dir);
        infos.push(info);
      } catch (error) {
        if (!(error instanceof InvalidCheckpoint)) throw error;
        this.warn(`checkpoint: skipping ${dir}: ${error.message}`);
      }
    }
    return infos;
  }

  async read(id: number): Promise<LoadedCheckpoint> {
    const dir = join(this.location, checkpointDirName(id));
    const ids = await this.scan({ removeStaleTmp: false });
    if (!ids.includes(id)) throw new CheckpointError(`no checkpoint ${id} in ${this.location}`);
    try {
      return await this.load(id, dir);
    } catch (error) {
      if (!(error instanceof InvalidCheckpoint)) throw error;
      throw new CheckpointError(`checkpoint ${id} in ${dir} is corrupt: ${error.message}`);
    }
  }

  async prune(keep: number): Promise<void> {
    checkKeep(keep);
    const ids = await this.scan({ removeStaleTmp: true });
    for (const id of ids.slice(0, Math.max(0, ids.length - keep))) {
      await rm(join(this.location, checkpointDirName(id)), { recursive: true, force: true });
    }
  }

  async nextId(): Promise<number> {
    const ids = await this.scan({ removeStaleTmp: false });
    return ids.length === 0 ? 1 : ids[ids.length - 1]! + 1;
  }

  /**
   * The checkpoint ids present (by directory name, verified or not), ascending. Warns once about
   * foreign entries; optionally removes `.tmp-*` dirs, which only a crashed write leaves behind.
   */
  private async scan(options: { removeStaleTmp: boolean }): Promise<number[]> {
    let entries;
    try {
      entries = await readdir(this.location, { withFileTypes: true });
    } catch (error) {
      // No directory means nothing was ever checkpointed here: nothing to resume.
      if (errorCode(error) === "ENOENT") return [];
      throw new CheckpointError(`could not list checkpoint directory ${this.location}: ${describe(error)}`, { cause: error });
    }
    const ids: number[] = [];
    const foreign: string[] = [];
    for (const entry of entries) {
      const match = CHECKPOINT_DIR.exec(entry.name);
      if (match && entry.isDirectory() && Number.isSafeInteger(Number(match[1]))) {
        ids.push(Number(match[1]));
      } else if (entry.name.startsWith(TMP_PREFIX)) {
        if (options.removeStaleTmp) {
          const path = join(this.location, entry.name);
          await rm(path, { recursive: true, force: true });
          this.warn(`checkpoint: removed ${path}, left by a write that did not finish`);
        }
      } else if (!this.warnedForeign.has(entry.name)) {
        foreign.push(entry.name);
      }
    }
    if (foreign.length > 0) {
      for (const name of foreign) this.warnedForeign.add(name);
      this.warn(`checkpoint: ignoring entries in ${this.location} that are not checkpoints: ${foreign.join(", ")}`);
    }
    return ids.sort((a, b) => a - b);
  }

  /** Reads and verifies one checkpoint; throws `InvalidCheckpoint` saying what is wrong. */
  private async load(id: number, dir: string): Promise<LoadedCheckpoint> {
    const manifest = parseManifest(await readOrInvalid(join(dir, MANIFEST_FILE), "manifest"), id);
    const parts: Record<string, CheckpointPart> = {};
    for (const part of manifest.parts) {
      const data = await readOrInvalid(join(dir, part.file), `part '${part.name}' file ${part.file}`);
      if (data.byteLength !== part.bytes) {
        throw new InvalidCheckpoint(
          `part '${part.name}' file ${part.file} has ${data.byteLength} bytes, the manifest says ${part.bytes} (truncated or overwritten)`,
        );
      }
      if (sha256(data) !== part.sha256) {
        throw new InvalidCheckpoint(`part '${part.name}' file ${part.file} fails its SHA-256 checksum`);
      }
      parts[part.name] = part.kind === "binary" ? new Uint8Array(data) : parseJsonPart(data, part);
    }
    return { ...this.infoOf(manifest, dir), parts };
  }

  private infoOf(manifest: Manifest, dir: string): CheckpointInfo {
    return {
      id: manifest.id,
      createdAt: manifest.createdAt,
      pipeline: manifest.pipeline,
      planFingerprint: manifest.planFingerprint,
      location: dir,
      store: this.location,
      partInfo: manifest.parts.map(({ name, kind, bytes }) => ({ name, kind, bytes })),
      bytes: manifest.parts.reduce((sum, part) => sum + part.bytes, 0),
    };
  }

  /** Creates the store directory; when it is new, fsyncs its parent so the entry itself is durable. */
  private async ensureDir(): Promise<void> {
    try {
      const created = await mkdir(this.location, { recursive: true });
      if (created !== undefined) await fsyncDir(dirname(created));
    } catch (error) {
      throw new CheckpointError(`could not create checkpoint directory ${this.location}: ${describe(error)}`, { cause: error });
    }
  }
}

function checkpointDirName(id: number): string {
  return `chk-${String(id).padStart(ID_WIDTH, "0")}`;
}

function checkKeep(keep: number): number {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new CheckpointError(`keep must be a whole number of checkpoints, at least 1; got ${keep}`);
  }
  return keep;
}

function checkCheckpoint(checkpoint: Checkpoint): void {
  if (!Number.isSafeInteger(checkpoint.id) || checkpoint.id < 1) {
    throw new CheckpointError(`checkpoint id must be a positive whole number; got ${checkpoint.id}`);
  }
  if (!Number.isFinite(checkpoint.createdAt)) {
    throw new CheckpointError(`checkpoint ${checkpoint.id}: createdAt must be a finite number of milliseconds`);
  }
}

/** Part names are free text (step names, region ids); files get an index plus a filesystem-safe slug. */
function encodeParts(checkpoint: Checkpoint): Array<{ name: string; file: string; kind: CheckpointPartKind; data: Uint8Array }> {
  return Object.entries(checkpoint.parts).map(([name, value], index) => {
    const slug = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
    if (value instanceof Uint8Array) return { name, file: `${index}-${slug}.bin`, kind: "binary", data: value };
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined for undefined, functions and symbols: not storable state.
    if (typeof text !== "string") {
      throw new CheckpointError(`checkpoint ${checkpoint.id}: part '${name}' is neither JSON nor a Uint8Array`);
    }
    return { name, file: `${index}-${slug}.json`, kind: "json", data: Buffer.from(text) };
  });
}

function parseJsonPart(data: Uint8Array, part: ManifestPart): Json {
  try {
    return JSON.parse(Buffer.from(data).toString("utf8")) as Json;
  } catch {
    throw new InvalidCheckpoint(`part '${part.name}' file ${part.file} is not valid JSON`);
  }
}

function serializeManifest(manifest: Manifest): string {
  const file: ManifestFile = { ...manifest, manifestSha256: sha256(Buffer.from(JSON.stringify(manifest))) };
  return JSON.stringify(file, null, 2);
}

/** Checks everything a garbage or hand-edited manifest could get wrong before any of it is used. */
function parseManifest(data: Uint8Array, id: number): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data).toString("utf8"));
  } catch {
    throw new InvalidCheckpoint("manifest is not valid JSON");
  }
  if (!isRecord(raw) || raw.format !== MANIFEST_FORMAT) throw new InvalidCheckpoint("manifest is not a sluice checkpoint manifest");
  if (raw.version !== MANIFEST_VERSION) {
    throw new InvalidCheckpoint(`manifest version ${String(raw.version)} is not the supported version ${MANIFEST_VERSION}`);
  }
  const { manifestSha256, ...manifest } = raw;
  // Key order survives JSON.parse, so re-serializing reproduces the bytes the writer hashed.
  if (manifestSha256 !== sha256(Buffer.from(JSON.stringify(manifest)))) {
    throw new InvalidCheckpoint("manifest fails its own SHA-256 checksum");
  }
  if (manifest.id !== id) throw new InvalidCheckpoint(`manifest is for checkpoint ${String(manifest.id)}, not ${id}`);
  if (typeof manifest.createdAt !== "number" || typeof manifest.pipeline !== "string" || typeof manifest.planFingerprint !== "string") {
    throw new InvalidCheckpoint("manifest metadata is incomplete");
  }
  if (!Array.isArray(manifest.parts)) throw new InvalidCheckpoint("manifest has no parts list");
  const names = new Set<string>();
  for (const part of manifest.parts as unknown[]) {
    if (
      !isRecord(part) ||
      typeof part.name !== "string" ||
      typeof part.file !== "string" ||
      // A file name from the manifest must stay inside the checkpoint directory.
      !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(part.file) ||
      (part.kind !== "json" && part.kind !== "binary") ||
      !Number.isSafeInteger(part.bytes) ||
      typeof part.sha256 !== "string" ||
      names.has(part.name)
    ) {
      throw new InvalidCheckpoint("manifest lists a malformed or duplicate part");
    }
    names.add(part.name);
  }
  return manifest as unknown as Manifest;
}

async function readOrInvalid(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") throw new InvalidCheckpoint(`${what} is missing`);
    throw new InvalidCheckpoint(`${what} cannot be read: ${describe(error)}`);
  }
}

async function writeFileSynced(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a directory's entries (a created file, a rename) durable. Windows cannot open a directory
 * for fsync; there the rename is as durable as NTFS makes it.
 */
async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (process.platform === "win32") return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  return isRecord(error) && typeof error.code === "string" ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
