/**
 * Postgres' hash partitioning, for routing and pruning without a database: the 64-bit extended
 * hash functions of the common key types (src/common/hashfn.c, Bob Jenkins' lookup3 as Postgres
 * runs it on little-endian machines) seeded and combined as compute_partition_hash_value() does.
 * Verified against the server's own hash functions in test/analyze/pg-hash.test.ts.
 */

const HASH_PARTITION_SEED = 0x7a5b22367996dcfdn;
const MASK64 = (1n << 64n) - 1n;

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** lookup3's mix(): the state as [a, b, c], unsigned 32-bit. */
function mix(s: Uint32Array): void {
  s[0] -= s[2]; s[0] ^= rot(s[2], 4); s[2] += s[1];
  s[1] -= s[0]; s[1] ^= rot(s[0], 6); s[0] += s[2];
  s[2] -= s[1]; s[2] ^= rot(s[1], 8); s[1] += s[0];
  s[0] -= s[2]; s[0] ^= rot(s[2], 16); s[2] += s[1];
  s[1] -= s[0]; s[1] ^= rot(s[0], 19); s[0] += s[2];
  s[2] -= s[1]; s[2] ^= rot(s[1], 4); s[1] += s[0];
}

function final(s: Uint32Array): void {
  s[2] ^= s[1]; s[2] -= rot(s[1], 14);
  s[0] ^= s[2]; s[0] -= rot(s[2], 11);
  s[1] ^= s[0]; s[1] -= rot(s[0], 25);
  s[2] ^= s[1]; s[2] -= rot(s[1], 16);
  s[0] ^= s[2]; s[0] -= rot(s[2], 4);
  s[1] ^= s[0]; s[1] -= rot(s[0], 14);
  s[2] ^= s[1]; s[2] -= rot(s[1], 24);
}

function seeded(len: number, seed: bigint): Uint32Array {
  const s = new Uint32Array(3).fill((0x9e3779b9 + len + 3923095) >>> 0);
  if (seed !== 0n) {
    s[0] += Number(seed >> 32n);
    s[1] += Number(seed & 0xffffffffn);
    mix(s);
  }
  return s;
}

const result = (s: Uint32Array) => (BigInt(s[1]!) << 32n) | BigInt(s[2]!);

/** hash_bytes_uint32_extended */
export function hashUint32Extended(k: number, seed: bigint): bigint {
  const s = seeded(4, seed);
  s[0] += k >>> 0;
  final(s);
  return result(s);
}

/** hash_bytes_extended */
export function hashBytesExtended(k: Uint8Array, seed: bigint): bigint {
  const s = seeded(k.length, seed);
  const word = (i: number) => (k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24)) >>> 0;
  let i = 0;
  for (; k.length - i >= 12; i += 12) {
    s[0] += word(i);
    s[1] += word(i + 4);
    s[2] += word(i + 8);
    mix(s);
  }
  const rest = k.length - i;
  const byte = (j: number, shift: number) => (k[i + j]! << shift) >>> 0;
  // the tail, byte by byte (the lowest byte of c is reserved for the length)
  if (rest >= 11) s[2] += byte(10, 24);
  if (rest >= 10) s[2] += byte(9, 16);
  if (rest >= 9) s[2] += byte(8, 8);
  if (rest >= 8) s[1] += byte(7, 24);
  if (rest >= 7) s[1] += byte(6, 16);
  if (rest >= 6) s[1] += byte(5, 8);
  if (rest >= 5) s[1] += byte(4, 0);
  if (rest >= 4) s[0] += byte(3, 24);
  if (rest >= 3) s[0] += byte(2, 16);
  if (rest >= 2) s[0] += byte(1, 8);
  if (rest >= 1) s[0] += byte(0, 0);
  final(s);
  return result(s);
}

/** hashint8extended: a bigint folded to 32 bits the way int4 values hash alike. */
function hashInt8Extended(v: bigint, seed: bigint): bigint {
  const u = BigInt.asUintN(64, v);
  let lo = Number(u & 0xffffffffn);
  const hi = Number(u >> 32n);
  lo = (lo ^ (v >= 0n ? hi : ~hi >>> 0)) >>> 0;
  return hashUint32Extended(lo, seed);
}

const INT = /^(int2|int4|smallint|integer|int|date)$/;
const BIGINT = /^(int8|bigint|timestamp|timestamptz)$/;
const TEXT = /^(text|varchar|bpchar)$/;

/**
 * The extended hash of one key value as Postgres computes it for its type, or undefined when the
 * type (or the text of the value) is not one handled here. `type` is the bare type name.
 */
export function hashKeyValue(value: string, type: string, seed: bigint): bigint | undefined {
  if (INT.test(type)) {
    const n = type === "date" ? pgDate(value) : integer(value);
    return n === undefined ? undefined : hashUint32Extended(n >>> 0, seed);
  }
  if (BIGINT.test(type)) {
    const n = type.startsWith("timestamp") ? pgTimestamp(value) : bigInteger(value);
    return n === undefined ? undefined : hashInt8Extended(n, seed);
  }
  if (type === "bool") return /^(t|true|on|yes|1)$/i.test(value) ? hashUint32Extended(1, seed) : /^(f|false|off|no|0)$/i.test(value) ? hashUint32Extended(0, seed) : undefined;
  if (TEXT.test(type)) return hashBytesExtended(new TextEncoder().encode(type === "bpchar" ? value.replace(/ +$/, "") : value), seed);
  return undefined;
}

/** compute_partition_hash_value: the row's hash from its key values (null for NULL), or undefined. */
export function partitionHash(values: Array<string | null>, types: string[]): bigint | undefined {
  let row = 0n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue; // NULLs are ignored
    const h = hashKeyValue(v, types[i]!, HASH_PARTITION_SEED);
    if (h === undefined) return undefined;
    row = (row ^ ((h + 0x49a0f4dd15e5a8e3n + (row << 54n) + (row >> 7n)) & MASK64)) & MASK64;
  }
  return row;
}

function integer(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) && Math.abs(Number(text)) <= 2 ** 31 ? Number(text) | 0 : undefined;
}

function bigInteger(text: string): bigint | undefined {
  return /^[+-]?\d+$/.test(text.trim()) ? BigInt.asIntN(64, BigInt(text.trim())) : undefined;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Days since 2000-01-01 (Postgres' date), for a plain YYYY-MM-DD. */
function pgDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round((Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - PG_EPOCH_MS) / 86_400_000);
}

/** Microseconds since 2000-01-01 00:00 UTC (the session TimeZone is assumed UTC). */
function pgTimestamp(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = m[1]!.split("-").map(Number);
  let ms = Date.UTC(y!, mo! - 1, d!, Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0));
  const zone = m[6];
  if (zone && !/^(z|utc)$/i.test(zone)) {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    ms -= (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
  }
  const micros = BigInt(Math.round(Number((m[5] ?? ".0").padEnd(7, "0").slice(1, 7))));
  return BigInt(ms - PG_EPOCH_MS) * 1000n + micros;
}
