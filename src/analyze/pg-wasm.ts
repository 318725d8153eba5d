/**
 * libpg-query's WebAssembly parser, called directly instead of through the package's JS wrapper
 * (wasm/index.cjs): the same functions, results and errors, but strings cross the boundary with
 * TextEncoder.encodeInto / TextDecoder and the terminating NUL is found with indexOf, where the
 * wrapper walks every byte in JavaScript — the corpus' parse trees are ~9.5 MB of JSON, so
 * `check` spends ~60 ms less CPU on it. One module instance serves parse, PL/pgSQL and scan
 * (the wrapper would load a second one on import).
 */
import { createRequire } from "node:module";
import type { ScanResult } from "libpg-query";

interface PgQueryModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_parse_plpgsql(query: number): number;
  _wasm_scan(query: number): number;
  _wasm_free_string(ptr: number): void;
}

/** A syntax error, shaped like libpg-query's SqlError (callers read `sqlDetails`). */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly sqlDetails: { message: string; cursorPosition: number; fileName?: string; functionName?: string; lineNumber?: number },
  ) {
    super(message);
    this.name = "SqlError";
  }
}

let wasm: PgQueryModule | undefined;
let loading: Promise<void> | undefined;

/** Instantiate the parser once per thread. */
export function loadModule(): Promise<void> {
  loading ??= (async () => {
    const factory = createRequire(import.meta.url)("libpg-query/wasm/libpg-query.js") as () => Promise<PgQueryModule>;
    wasm = await factory();
  })();
  return loading;
}

function module(): PgQueryModule {
  if (!wasm) throw new Error("WASM module not initialized. Call loadModule() first.");
  return wasm;
}

/**
 * A trap inside the parser (its stack overflowing on an input nested tens of thousands of levels
 * deep, an abort on one too big for its memory) unwinds past the C code's own clean-up: its
 * stack pointer and memory are left in an unknown state, and some inputs later it fails on any
 * SQL at all. Such an instance is dropped; the next loadModule() makes a fresh one.
 */
function isTrap(e: unknown): boolean {
  return e instanceof RangeError || e instanceof WebAssembly.RuntimeError || (e as { name?: string } | undefined)?.name === "ExitStatus";
}

function inParser<T>(m: PgQueryModule, call: () => T): T {
  try {
    return call();
  } catch (e) {
    if (isTrap(e) && wasm === m) {
      wasm = undefined;
      loading = undefined;
    }
    throw e;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `fn` on a NUL-terminated UTF-8 copy of `text` in the module's memory. */
function withCString<T>(m: PgQueryModule, text: string, fn: (ptr: number) => T): T {
  if (typeof text !== "string") throw new TypeError(`Expected a string, got ${typeof text}`);
  const size = text.length * 3 + 1; // UTF-16 unit -> at most 3 UTF-8 bytes
  const ptr = m._malloc(size);
  try {
    const { written } = encoder.encodeInto(text, m.HEAPU8.subarray(ptr, ptr + size - 1));
    m.HEAPU8[ptr + written] = 0;
    return fn(ptr);
  } finally {
    // a dropped instance is not touched again
    if (wasm === m) m._free(ptr);
  }
}

/** The NUL-terminated UTF-8 string at `ptr` (read after the call: memory may have grown). */
function cString(m: PgQueryModule, ptr: number): string {
  const heap = m.HEAPU8;
  return decoder.decode(heap.subarray(ptr, heap.indexOf(0, ptr)));
}

const i32 = (m: PgQueryModule, ptr: number): number => m.HEAPU32[ptr >> 2]! | 0;

export function parseSync(query: string): unknown {
  const m = module();
  if (query === null || query === undefined) throw new Error("Query cannot be null or undefined");
  if (query === "") throw new Error("Query cannot be empty");
  return withCString(m, query, (queryPtr) => {
    const result = inParser(m, () => m._wasm_parse_query_raw(queryPtr));
    if (!result) throw new Error("Failed to parse query: memory allocation failed");
    try {
      const tree = i32(m, result);
      const error = i32(m, result + 8);
      if (error) {
        const text = (offset: number) => {
          const p = i32(m, error + offset);
          return p ? cString(m, p) : undefined;
        };
        const message = text(0) ?? "Unknown error";
        const lineno = i32(m, error + 12);
        const cursor = i32(m, error + 16);
        throw new SqlError(message, {
          message,
          cursorPosition: cursor > 0 ? cursor - 1 : 0, // 0-based
          fileName: text(8),
          functionName: text(4),
          lineNumber: lineno > 0 ? lineno : undefined,
        });
      }
      if (!tree) throw new Error("No parse tree generated");
      return JSON.parse(cString(m, tree)) as unknown;
    } finally {
      if (wasm === m) m._wasm_free_parse_result(result);
    }
  });
}

/** A C function returning a string it allocated: JSON on success, anything else an error message. */
function stringResult(call: (m: PgQueryModule, queryPtr: number) => number, isError: (s: string) => boolean) {
  return (query: string): unknown => {
    const m = module();
    return withCString(m, query, (queryPtr) => {
      const ptr = inParser(m, () => call(m, queryPtr));
      try {
        const s = cString(m, ptr);
        if (isError(s)) throw new Error(s);
        return JSON.parse(s) as unknown;
      } finally {
        if (ptr && wasm === m) m._wasm_free_string(ptr);
      }
    });
  };
}

export const parsePlPgSQLSync = stringResult(
  (m, q) => m._wasm_parse_plpgsql(q),
  (s) => !s.startsWith("{"),
);

export const scanSync = stringResult(
  (m, q) => m._wasm_scan(q),
  (s) => s.startsWith("syntax error") || s.startsWith("deparse error") || s.startsWith("ERROR"),
) as (query: string) => ScanResult;
