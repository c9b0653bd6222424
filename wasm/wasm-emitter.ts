/**
 * A minimal WebAssembly binary writer: enough to generate small SIMD functions at run time (the
 * fused elementwise chains of kernels/wasm/chain-compiler.ts). One memory import, function imports,
 * functions with locals, function exports. Encoding per the core spec (binary format, §5) and the
 * SIMD proposal's opcode table (0xfd prefix + LEB128 opcode).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Core opcodes used by the generators. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  call: 0x10,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  i32_const: 0x41,
  i32_ge_u: 0x4f,
  i32_add: 0x6a,
  i32_shl: 0x74,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  v128_load: 0x00,
  v128_load32_splat: 0x09,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i8x16_narrow_i16x8_u: 0x66,
  i16x8_narrow_i32x4_u: 0x86,
  i16x8_extend_low_i8x16_u: 0x89,
  i16x8_extend_high_i8x16_u: 0x8a,
  i32x4_extend_low_i16x8_u: 0xa9,
  i32x4_extend_high_i16x8_u: 0xaa,
  v128_andnot: 0x4f,
  f32x4_lt: 0x43,
  i32x4_abs: 0xa0,
  i32x4_neg: 0xa1,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  i32x4_mul: 0xb5,
  i32x4_min_s: 0xb6,
  i32x4_max_s: 0xb8,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmin: 0xea,
  f32x4_pmax: 0xeb,
  i32x4_trunc_sat_f32x4_s: 0xf8,
  f32x4_convert_i32x4_s: 0xfa,
} as const;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** A function body under construction: append instructions, then hand it to the builder. */
export class Code {
  readonly bytes: number[] = [];

  op(code: number): this {
    this.bytes.push(code);
    return this;
  }
  /** A SIMD instruction without immediates. */
  simd(code: number): this {
    this.bytes.push(0xfd);
    uleb(this.bytes, code);
    return this;
  }
  /** A SIMD load/store with its memarg (log2 alignment, byte offset). */
  simdMem(code: number, offset = 0, alignLog2 = 0): this {
    this.simd(code);
    uleb(this.bytes, alignLog2);
    uleb(this.bytes, offset);
    return this;
  }
  i32Load(offset = 0): this {
    this.bytes.push(Op.i32_load);
    uleb(this.bytes, 2);
    uleb(this.bytes, offset);
    return this;
  }
  i32Const(v: number): this {
    this.bytes.push(Op.i32_const);
    sleb(this.bytes, v);
    return this;
  }
  /** v128.const with four i32 lanes. */
  v128Const(lanes: readonly [number, number, number, number]): this {
    this.simd(Simd.v128_const);
    const b = new Uint8Array(new Int32Array(lanes).buffer);
    this.bytes.push(...b);
    return this;
  }
  get(local: number): this {
    this.bytes.push(Op.local_get);
    uleb(this.bytes, local);
    return this;
  }
  set(local: number): this {
    this.bytes.push(Op.local_set);
    uleb(this.bytes, local);
    return this;
  }
  tee(local: number): this {
    this.bytes.push(Op.local_tee);
    uleb(this.bytes, local);
    return this;
  }
  call(func: number): this {
    this.bytes.push(Op.call);
    uleb(this.bytes, func);
    return this;
  }
  /** A branch instruction with a label depth. */
  br(code: typeof Op.br | typeof Op.br_if, depth: number): this {
    this.bytes.push(code);
    uleb(this.bytes, depth);
    return this;
  }
  /** block / loop with an empty block type. */
  begin(code: typeof Op.block | typeof Op.loop): this {
    this.bytes.push(code, 0x40);
    return this;
  }
}

interface FuncDef {
  type: number;
  locals: ValType[];
  code: Code;
}

export class WasmModuleBuilder {
  private readonly types: { params: ValType[]; results: ValType[] }[] = [];
  private readonly funcImports: { module: string; name: string; type: number }[] = [];
  private memoryImport: { module: string; name: string } | undefined;
  private readonly funcs: FuncDef[] = [];
  private readonly exports: { name: string; func: number }[] = [];

  /** Index of the function type (params) → (results), added once. */
  type(params: ValType[], results: ValType[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    const i = this.types.findIndex((t) => `${t.params.join(",")}>${t.results.join(",")}` === key);
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  /** Imports a function; imports must all be added before any function is defined. */
  importFunction(module: string, fname: string, params: ValType[], results: ValType[]): number {
    if (this.funcs.length > 0) throw new Error("WasmModuleBuilder: import functions before defining any");
    this.funcImports.push({ module, name: fname, type: this.type(params, results) });
    return this.funcImports.length - 1;
  }

  importMemory(module: string, mname: string): void {
    this.memoryImport = { module, name: mname };
  }

  /** Defines a function; `locals` are the extra locals after the parameters. Returns its index. */
  addFunction(params: ValType[], results: ValType[], locals: ValType[], code: Code): number {
    this.funcs.push({ type: this.type(params, results), locals, code });
    return this.funcImports.length + this.funcs.length - 1;
  }

  exportFunction(ename: string, func: number): void {
    this.exports.push({ name: ename, func });
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]): void => {
      out.push(id);
      uleb(out, body.length);
      out.push(...body);
    };
    const types: number[] = [];
    uleb(types, this.types.length);
    for (const t of this.types) {
      types.push(0x60);
      uleb(types, t.params.length);
      types.push(...t.params);
      uleb(types, t.results.length);
      types.push(...t.results);
    }
    section(1, types);
    const imports: number[] = [];
    uleb(imports, this.funcImports.length + (this.memoryImport ? 1 : 0));
    for (const im of this.funcImports) {
      name(imports, im.module);
      name(imports, im.name);
      imports.push(0x00);
      uleb(imports, im.type);
    }
    if (this.memoryImport) {
      name(imports, this.memoryImport.module);
      name(imports, this.memoryImport.name);
      imports.push(0x02, 0x00, 0x00); // memory, limits: min 0, no max
    }
    section(2, imports);
    const funcs: number[] = [];
    uleb(funcs, this.funcs.length);
    for (const f of this.funcs) uleb(funcs, f.type);
    section(3, funcs);
    const exps: number[] = [];
    uleb(exps, this.exports.length);
    for (const e of this.exports) {
      name(exps, e.name);
      exps.push(0x00);
      uleb(exps, e.func);
    }
    section(7, exps);
    const code: number[] = [];
    uleb(code, this.funcs.length);
    for (const f of this.funcs) {
      const body: number[] = [];
      uleb(body, f.locals.length);
      for (const l of f.locals) body.push(0x01, l);
      body.push(...f.code.bytes, Op.end);
      uleb(code, body.length);
      code.push(...body);
    }
    section(10, code);
    return new Uint8Array(out);
  }
}
