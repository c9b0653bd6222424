/**
 * What a file sink's `prepareCommit` returns and a checkpoint stores: enough to publish or undo
 * the staged files without any other state, because recovery hands it to a fresh sink instance
 * that may not even have been opened. Paths are absolute. Parsing is strict: a committable read
 * back from a damaged or foreign checkpoint is an error, never a rename of arbitrary files.
 */

import { basename, dirname, sep } from "node:path";
import type { Json } from "../../runtime/api/stream.js";
import type { SinkCommittable } from "../../runtime/api/sink.js";
import { connectorError } from "../errors.js";

export const COMMITTABLE_KIND = "sluice.file-sink";
/** The hidden directory, next to the output, that holds staged files. */
export const STAGING_DIR = ".sluice-staging";

/** Directory layout: each staged part is renamed to its final name in the target directory. */
export interface DirCommittable {
  readonly layout: "dir";
  readonly format: string;
  readonly target: string;
  readonly checkpoint: string;
  readonly parts: readonly { readonly staged: string; readonly final: string }[];
  /**
   * The writing subtask and the part number it would use next: every part it committed after
   * this committable is numbered `next` or higher, which is what a rollback removes. Absent in
   * committables written before rollbacks existed.
   */
  readonly subtask?: number;
  readonly next?: number;
}

/**
 * Single-file layout: staged chunks accumulate until `finish` assembles the one file. `chunks`
 * lists every chunk accepted so far (cumulative, in order), `added` those first sealed by this
 * checkpoint (what an abort deletes).
 */
export interface FileCommittable {
  readonly layout: "file";
  readonly format: string;
  readonly target: string;
  readonly checkpoint: string;
  readonly chunks: readonly string[];
  readonly added: readonly string[];
}

export type FileSinkCommittable = DirCommittable | FileCommittable;

export function committableJson(c: FileSinkCommittable): Json {
  const base = { kind: COMMITTABLE_KIND, layout: c.layout, format: c.format, target: c.target, checkpoint: c.checkpoint };
  if (c.layout === "dir") {
    const out: { [key: string]: Json } = { ...base, parts: c.parts.map((p) => ({ staged: p.staged, final: p.final })) };
    if (c.subtask !== undefined && c.next !== undefined) Object.assign(out, { subtask: c.subtask, next: c.next });
    return out;
  }
  return { ...base, chunks: [...c.chunks], added: [...c.added] };
}

/** Parses and checks a committable for a sink writing `format`; throws a ConnectorError. */
export function parseCommittable(sink: string, format: string, value: SinkCommittable): FileSinkCommittable {
  const bad = (why: string): Error => connectorError(sink, undefined, `invalid committable (${why}): ${JSON.stringify(value).slice(0, 300)}`);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad("not an object");
  const o = value as { [key: string]: Json };
  if (o["kind"] !== COMMITTABLE_KIND) throw bad(`kind is not '${COMMITTABLE_KIND}'`);
  if (o["format"] !== format) throw bad(`written by a '${String(o["format"])}' sink, this sink writes '${format}'`);
  const target = o["target"];
  const checkpoint = o["checkpoint"];
  if (typeof target !== "string" || !target.startsWith(sep)) throw bad("target is not an absolute path");
  if (typeof checkpoint !== "string") throw bad("checkpoint is not a string");
  const staged = (p: Json | undefined): string => {
    if (typeof p !== "string" || !p.split(sep).includes(STAGING_DIR)) throw bad(`staged path outside a ${STAGING_DIR} directory`);
    return p;
  };
  if (o["layout"] === "dir") {
    const parts = o["parts"];
    if (!Array.isArray(parts)) throw bad("parts is not an array");
    const mark = (name: string): number | undefined => {
      const v = o[name];
      if (v === undefined) return undefined;
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw bad(`${name} is not a non-negative integer`);
      return v;
    };
    return {
      layout: "dir",
      format,
      target,
      checkpoint,
      subtask: mark("subtask"),
      next: mark("next"),
      parts: parts.map((p) => {
        if (p === null || typeof p !== "object" || Array.isArray(p)) throw bad("a part is not an object");
        const final = p["final"];
        if (typeof final !== "string" || dirname(final) !== target || basename(final).startsWith(".")) throw bad("a part's final path is not a visible file in the target directory");
        return { staged: staged(p["staged"]), final };
      }),
    };
  }
  if (o["layout"] === "file") {
    const chunks = o["chunks"];
    const added = o["added"];
    if (!Array.isArray(chunks) || !Array.isArray(added)) throw bad("chunks or added is not an array");
    return { layout: "file", format, target, checkpoint, chunks: chunks.map(staged), added: added.map(staged) };
  }
  throw bad("layout is neither 'dir' nor 'file'");
}
