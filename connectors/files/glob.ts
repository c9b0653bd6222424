/**
 * A small glob matcher, compiled per path segment so a directory walk can prune subtrees that
 * cannot match. Syntax: `*` (any run of characters within one segment), `?` (one character),
 * `[abc]` / `[a-z]` / `[!a]` (a character class), `{a,b}` (alternatives, nestable, may contain
 * `/`), `**` as a whole segment (zero or more directories), `\` escapes the next character.
 *
 * Hidden names (starting with `.`) are matched only by a segment that itself starts with a
 * literal `.`, unless `dot` is set; `**` never descends into hidden directories without `dot`.
 * That keeps a sink's `.sluice-staging` directory invisible to sources reading its output.
 * `{a}` with a single alternative expands to `a` (bash would keep it literal).
 */

/** One compiled segment of a pattern. */
export type SegmentMatcher =
  | { readonly kind: "globstar" }
  | { readonly kind: "literal"; readonly name: string }
  | { readonly kind: "pattern"; readonly re: RegExp; readonly source: string; readonly explicitDot: boolean };

/** A brace-free pattern split into its literal base directory and the segments below it. */
export interface CompiledGlob {
  /** The leading directories without glob syntax (`""` for none, `/` prefixed when absolute). */
  readonly base: string;
  readonly segments: readonly SegmentMatcher[];
}

/** An invalid pattern (unbalanced braces, too many alternatives). */
export class GlobSyntaxError extends Error {}

/** The most alternatives one pattern may expand to; beyond it is almost surely a mistake. */
const MAX_EXPANSIONS = 10_000;

/** Whether `s` contains unescaped glob syntax (otherwise it names one path literally). */
export function hasGlobMagic(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[" || c === "{") return true;
  }
  return false;
}

/** Expands `{a,b}` alternatives (nested, in order): `x/{a,b{1,2}}` → `x/a`, `x/b1`, `x/b2`. */
export function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, "{", 0);
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length && close < 0; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) close = i;
    else if (c === "," && depth === 1) commas.push(i);
  }
  if (close < 0) throw new GlobSyntaxError(`unbalanced '{' at character ${open + 1} in glob '${pattern}'`);
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(close + 1);
  const cuts = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    for (const expanded of expandBraces(prefix + pattern.slice(cuts[k]! + 1, cuts[k + 1]) + suffix)) {
      out.push(expanded);
      if (out.length > MAX_EXPANSIONS) throw new GlobSyntaxError(`glob '${pattern}' expands to more than ${MAX_EXPANSIONS} patterns`);
    }
  }
  return out;
}

/** Compiles a pattern (braces allowed) into one `CompiledGlob` per alternative. */
export function compileGlob(pattern: string): CompiledGlob[] {
  return expandBraces(pattern).map(compileBraceFree);
}

function compileBraceFree(pattern: string): CompiledGlob {
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((p, i) => p !== "" && !(p === "." && i > 0));
  let i = 0;
  const baseParts: string[] = [];
  while (i < parts.length - 1 && !hasGlobMagic(parts[i]!)) baseParts.push(unescape(parts[i++]!));
  const base = (absolute ? "/" : "") + baseParts.join("/");
  const segments: SegmentMatcher[] = [];
  for (const part of parts.slice(i)) {
    // Consecutive `**` segments mean the same as one.
    if (part === "**") {
      if (segments.at(-1)?.kind !== "globstar") segments.push({ kind: "globstar" });
    } else if (!hasGlobMagic(part)) segments.push({ kind: "literal", name: unescape(part) });
    else segments.push({ kind: "pattern", re: new RegExp(`^${segmentRegex(part)}$`, "s"), source: part, explicitDot: part.startsWith(".") });
  }
  return { base, segments };
}

/** Whether one path segment `name` matches a non-globstar segment. */
export function matchSegment(seg: SegmentMatcher, name: string, dot: boolean): boolean {
  switch (seg.kind) {
    case "literal":
      return seg.name === name;
    case "pattern":
      if (name.startsWith(".") && !dot && !seg.explicitDot) return false;
      return seg.re.test(name);
    case "globstar":
      return !name.startsWith(".") || dot;
  }
}

/**
 * The segment states reachable after consuming `name` from `states` (indices into `segments`;
 * `segments.length` means "the whole pattern matched"). Callers start from `closure([0])`.
 */
export function stepStates(segments: readonly SegmentMatcher[], states: ReadonlySet<number>, name: string, dot: boolean): Set<number> {
  const next = new Set<number>();
  for (const s of states) {
    const seg = segments[s];
    if (seg === undefined) continue;
    if (seg.kind === "globstar") {
      if (matchSegment(seg, name, dot)) next.add(s);
    } else if (matchSegment(seg, name, dot)) next.add(s + 1);
  }
  return closure(segments, next);
}

/** Adds the states reachable without consuming a segment (skipping `**`, which may match none). */
export function closure(segments: readonly SegmentMatcher[], states: Iterable<number>): Set<number> {
  const out = new Set<number>(states);
  for (const s of out) if (segments[s]?.kind === "globstar") out.add(s + 1);
  return out;
}

/** Whether a relative path (segments below the base) matches the compiled segments. */
export function matchPath(segments: readonly SegmentMatcher[], path: readonly string[], dot = false): boolean {
  let states = closure(segments, [0]);
  for (const name of path) {
    states = stepStates(segments, states, name, dot);
    if (states.size === 0) return false;
  }
  return states.has(segments.length);
}

function segmentRegex(part: string): string {
  let re = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === "\\" && i + 1 < part.length) re += escapeRegex(part[++i]!);
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = classEnd(part, i);
      if (end < 0) re += "\\[";
      else {
        re += classRegex(part.slice(i + 1, end));
        i = end;
      }
    } else re += escapeRegex(c);
  }
  return re;
}

/** Index of the `]` closing the class opened at `open`, or -1 (then `[` is literal). */
function classEnd(part: string, open: number): number {
  let i = open + 1;
  if (part[i] === "!" || part[i] === "^") i++;
  if (part[i] === "]") i++; // a leading `]` is a member, as in POSIX
  for (; i < part.length; i++) {
    if (part[i] === "\\") i++;
    else if (part[i] === "]") return i;
  }
  return -1;
}

function classRegex(body: string): string {
  let negate = false;
  if (body.startsWith("!") || body.startsWith("^")) {
    negate = true;
    body = body.slice(1);
  }
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\" && i + 1 < body.length) out += `\\${body[++i]}`;
    else if (c === "-" && i > 0 && i < body.length - 1) out += "-";
    else out += /[\\\]\[^-]/.test(c) ? `\\${c}` : c;
  }
  return negate ? `[^/${out}]` : `[${out}]`;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/gs, "$1");
}

function findUnescaped(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}
