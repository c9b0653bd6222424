/**
 * Turns what a user wrote (a file, a directory, a glob, or a list of those) into the sorted list
 * of files a source reads. The order is part of the contract: source positions name a file by its
 * index in this list, so it must come out the same on every run over the same files — paths are
 * absolute and sorted segment by segment, by UTF-16 code unit, independent of locale and of the
 * order the filesystem lists a directory in.
 *
 * A directory input means every non-hidden file below it (recursively unless told otherwise)
 * whose extension is one the source reads; a glob means exactly the files it matches, whatever
 * their extension. A match list that comes out empty is an error unless `allowEmpty`: a typo in
 * a path should stop the job at plan time, not produce an empty output.
 */

import { readdir, realpath, stat } from "node:fs/promises";
import type { Dirent, Stats } from "node:fs";
import { extname, resolve, sep } from "node:path";
import { connectorError, fsError } from "../errors.js";
import { GlobSyntaxError, closure, compileGlob, hasGlobMagic, stepStates, type SegmentMatcher } from "./glob.js";

/** One input file. */
export interface FileEntry {
  /** Absolute path. */
  readonly path: string;
  /** Size in bytes when listed. */
  readonly size: number;
}

export interface ResolveOptions {
  /** Extensions (lowercase, with the dot) kept when an input is a directory; all when absent. */
  readonly extensions?: readonly string[];
  /** Whether globs and directory walks include hidden files and directories (default false). */
  readonly dot?: boolean;
  /** Whether a directory input is walked recursively (default true). */
  readonly recursive?: boolean;
  /** Whether matching no file at all is fine (default false: a ConnectorError). */
  readonly allowEmpty?: boolean;
}

/** Resolves inputs to a sorted, de-duplicated list of files. */
export async function resolveFiles(connector: string, inputs: string | readonly string[], opts: ResolveOptions = {}): Promise<FileEntry[]> {
  const list = typeof inputs === "string" ? [inputs] : inputs;
  if (list.length === 0) throw connectorError(connector, undefined, "no input path given");
  const found = new Map<string, FileEntry>();
  for (const input of list) {
    for (const entry of await resolveOne(connector, input, opts)) found.set(entry.path, entry);
  }
  const files = [...found.values()].sort((a, b) => comparePaths(a.path, b.path));
  if (files.length === 0 && opts.allowEmpty !== true) {
    throw connectorError(connector, list.join(", "), "no files match (pass allowEmpty to accept an empty input)");
  }
  return files;
}

/** Orders paths segment by segment, so `a/b` sorts with `a/…` and before `a-c`. */
export function comparePaths(a: string, b: string): number {
  const x = a.split(sep);
  const y = b.split(sep);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

async function resolveOne(connector: string, input: string, opts: ResolveOptions): Promise<FileEntry[]> {
  if (hasGlobMagic(input)) {
    let globs;
    try {
      globs = compileGlob(input);
    } catch (e) {
      if (e instanceof GlobSyntaxError) throw connectorError(connector, input, e.message);
      throw e;
    }
    const out: FileEntry[] = [];
    for (const g of globs) {
      const base = resolve(g.base === "" ? "." : g.base);
      await requireDirectory(connector, base, `glob base directory of '${input}'`);
      await walk(connector, base, g.segments, closure(g.segments, [0]), opts.dot ?? false, new Set([await realpath(base)]), out, undefined);
    }
    return out;
  }
  const path = resolve(input);
  const st = await statOrThrow(connector, path);
  if (st.isFile()) return [{ path, size: st.size }];
  if (!st.isDirectory()) throw connectorError(connector, path, "neither a file nor a directory");
  const segments: SegmentMatcher[] = opts.recursive === false ? [anyName] : [{ kind: "globstar" }, anyName];
  const keep = opts.extensions === undefined ? undefined : new Set(opts.extensions.map((e) => e.toLowerCase()));
  const out: FileEntry[] = [];
  await walk(connector, path, segments, closure(segments, [0]), opts.dot ?? false, new Set([await realpath(path)]), out, keep);
  return out;
}

const anyName: SegmentMatcher = { kind: "pattern", re: /^.*$/s, source: "*", explicitDot: false };

async function walk(
  connector: string,
  dir: string,
  segments: readonly SegmentMatcher[],
  states: ReadonlySet<number>,
  dot: boolean,
  ancestors: ReadonlySet<string>,
  out: FileEntry[],
  extensions: ReadonlySet<string> | undefined,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fsError(connector, dir, "cannot list directory", e);
  }
  for (const entry of entries) {
    const next = stepStates(segments, states, entry.name, dot);
    if (next.size === 0) continue;
    const full = `${dir}${dir.endsWith(sep) ? "" : sep}${entry.name}`;
    const matched = next.has(segments.length);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      let target: Stats;
      try {
        target = await stat(full);
      } catch (e) {
        // A dangling link the pattern names is an input we cannot read: say so.
        if (matched) throw fsError(connector, full, "broken symbolic link", e);
        continue;
      }
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isFile && matched) {
      if (extensions !== undefined && !extensions.has(extname(entry.name).toLowerCase())) continue;
      const st = await statOrThrow(connector, full);
      out.push({ path: full, size: st.size });
    } else if (isDir && [...next].some((s) => s < segments.length)) {
      // Following a symlinked directory back into one of its ancestors would never end.
      const real = await realpath(full);
      if (ancestors.has(real)) continue;
      await walk(connector, full, segments, next, dot, new Set([...ancestors, real]), out, extensions);
    }
  }
}

async function requireDirectory(connector: string, path: string, what: string): Promise<void> {
  const st = await statOrThrow(connector, path);
  if (!st.isDirectory()) throw connectorError(connector, path, `${what} is not a directory`);
}

async function statOrThrow(connector: string, path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (e) {
    throw fsError(connector, path, "cannot read", e);
  }
}
