/**
 * Imported before libpg-query (parse.ts imports it first): libpg-query starts compiling its
 * WebAssembly as soon as it is imported, so the flag must be set before that import runs.
 * The parser is WebAssembly only (nothing else in Lockstep is). Its baseline (Liftoff) code is
 * fast enough; optimising it in the background costs more CPU than a CLI run ever gets back.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--liftoff-only");
