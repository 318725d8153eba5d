import type { Estimate, LockMode, Risk, SchemaSnapshot, StatementLock, RelationInfo } from "../types.js";
import { RISKS } from "../types.js";
import { estimateSeconds, type WorkKind } from "./estimate.js";

/** What a statement does to one relation beyond taking its lock. */
export interface Work {
  relation: string;
  kind: WorkKind;
}

export interface RiskInput {
  locks: StatementLock[];
  work: Work[];
  schema: SchemaSnapshot;
  /** a lock_timeout is in effect (SET lock_timeout earlier in the file) */
  lockTimeout?: boolean;
  /** created earlier in the same migration (default: the snapshot's isNew flag) */
  isNew?: (relation: string) => boolean;
}

export interface RiskAssessment {
  risk: Risk;
  /** sizes of the relation the heavy work is on, and the predicted seconds; absent when unknown */
  estimate?: Estimate;
  /** what had to be assumed, in words */
  assumptions: string[];
  /** why the risk is what it is, one line per relation that raised it */
  reasons: string[];
}

/** When sizes are unknown, an existing table is assumed to be this big and busy. */
export const ASSUMED_TABLE_BYTES = 10e9;
const ASSUMED_ROWS = 50e6;

/** pg_stat_user_tables activity (scans + tuples written) per second from which a table is busy ... */
export const BUSY_PER_SECOND = 10;
/** ... and below which it is idle. */
export const IDLE_PER_SECOND = 0.1;
/**
 * The counters are cumulative: read as a rate over the time they cover, so a table bulk-loaded long
 * ago is not busy for ever and a busy table is not idle just after its counters were reset (or a
 * crash discarded them). A window shorter than a minute is read as a minute (a handful of queries
 * right after a reset is not a busy table); a window not known (a snapshot from elsewhere) as
 * 10,000 s, i.e. busy from 100,000 and idle under 1,000 in all.
 */
const MIN_WINDOW_SECONDS = 60;
const UNKNOWN_WINDOW_SECONDS = 10_000;

type Blocking = "none" | "ddl" | "writes" | "all";
type Traffic = "idle" | "moderate" | "busy";

interface Sized {
  bytes: number;
  rows?: number;
  traffic: Traffic;
  assumed: boolean;
  isNew: boolean;
}

/**
 * Risk = how much the lock blocks x how long it is held (the work's predicted seconds) x traffic.
 * Sizes and traffic come from the live catalog (--db); for a relation created earlier in the
 * migration they are zero; otherwise a large (10 GB), busy table is assumed and said so.
 */
export function assessRisk(input: RiskInput): RiskAssessment {
  const assumptions: string[] = [];
  const reasons: string[] = [];
  let risk: Risk = "low";
  let estimate: Estimate | undefined;
  let heaviest = -1;

  for (const lock of input.locks) {
    const size = sizeOf(input.schema, lock.relation, input.isNew);
    const work = input.work.filter((w) => w.relation === lock.relation);
    const seconds = work.reduce((s, w) => s + estimateSeconds(w.kind, size.bytes), 0);
    const blocking = work.some((w) => w.kind === "update-all") ? maxBlocking(blockingOf(lock.mode), "writes") : blockingOf(lock.mode);
    const r = relationRisk(blocking, work.length > 0 ? seconds : 0, size.traffic, input.lockTimeout === true);
    if (size.assumed && (blocking === "writes" || blocking === "all")) {
      assumptions.push(`${lock.relation}: size and traffic unknown (no --db); assumed a large (10 GB), busy table`);
    }
    if (RISKS.indexOf(r) > RISKS.indexOf("low")) {
      reasons.push(describe(lock, blocking, work, seconds, size));
    }
    if (RISKS.indexOf(r) > RISKS.indexOf(risk)) risk = r;
    if (!size.assumed && !size.isNew && (work.length > 0 ? seconds : -0.5) > heaviest) {
      heaviest = work.length > 0 ? seconds : -0.5;
      estimate = { ...(size.rows !== undefined ? { rows: size.rows } : {}), bytes: size.bytes, seconds: round(seconds) };
    }
  }
  return { risk, ...(estimate ? { estimate } : {}), assumptions, reasons };
}

/** The highest of several risks (a file's risk is its riskiest statement's). */
export function maxRisk(risks: Iterable<Risk>): Risk {
  let out: Risk = "low";
  for (const r of risks) if (RISKS.indexOf(r) > RISKS.indexOf(out)) out = r;
  return out;
}

function relationRisk(blocking: Blocking, seconds: number, traffic: Traffic, lockTimeout: boolean): Risk {
  if (blocking === "none") return "low";
  // ShareUpdateExclusiveLock: traffic flows; only autovacuum and other DDL wait.
  if (blocking === "ddl") return seconds > 3600 ? "medium" : "low";
  let level: number;
  if (seconds < 1) {
    // Held for an instant, but a strong lock waits behind long queries and everything queues behind it.
    level = traffic === "busy" && !lockTimeout ? 1 : 0;
  } else if (seconds < 10) level = 1;
  else if (seconds < 60) level = 2;
  else level = 3;
  if (seconds >= 1 && blocking === "all" && traffic === "busy") level += 1;
  if (traffic === "idle") level -= 1;
  return RISKS[Math.max(0, Math.min(3, level))]!;
}

function blockingOf(mode: LockMode): Blocking {
  switch (mode) {
    case "AccessExclusiveLock":
      return "all";
    case "ExclusiveLock":
    case "ShareRowExclusiveLock":
    case "ShareLock":
      return "writes";
    case "ShareUpdateExclusiveLock":
      return "ddl";
    default:
      return "none";
  }
}

const BLOCKING_ORDER: Blocking[] = ["none", "ddl", "writes", "all"];
function maxBlocking(a: Blocking, b: Blocking): Blocking {
  return BLOCKING_ORDER.indexOf(a) >= BLOCKING_ORDER.indexOf(b) ? a : b;
}

function sizeOf(schema: SchemaSnapshot, relation: string, isNew?: (relation: string) => boolean): Sized {
  const rel = schema.relations[relation];
  if (isNew ? isNew(relation) : rel?.isNew) return { bytes: 0, rows: 0, traffic: "idle", assumed: false, isNew: true };
  // Only the live catalog knows production sizes; a replayed --schema has empty tables.
  if (schema.source === "catalog" && rel && rel.bytes !== undefined) {
    return { bytes: rel.bytes, ...(rel.rows !== undefined ? { rows: Math.max(0, rel.rows) } : {}), traffic: trafficOf(rel), assumed: false, isNew: false };
  }
  return { bytes: ASSUMED_TABLE_BYTES, rows: ASSUMED_ROWS, traffic: "busy", assumed: true, isNew: false };
}

function trafficOf(rel: RelationInfo): Traffic {
  const s = rel.stats;
  if (!s) return "moderate";
  const activity = s.seqScan + s.idxScan + s.inserts + s.updates + s.deletes;
  const perSecond = activity / Math.max(MIN_WINDOW_SECONDS, s.windowSeconds ?? UNKNOWN_WINDOW_SECONDS);
  if (perSecond >= BUSY_PER_SECOND) return "busy";
  if (perSecond < IDLE_PER_SECOND) return "idle";
  return "moderate";
}

function describe(lock: StatementLock, blocking: Blocking, work: Work[], seconds: number, size: Sized): string {
  const blocks = blocking === "all" ? "blocks reads and writes" : blocking === "writes" ? "blocks writes" : "blocks other DDL and autovacuum";
  const held = work.length === 0 ? "briefly" : `for the ${work.map((w) => w.kind).join(" + ")} (~${formatSeconds(seconds)}${size.assumed ? " if 10 GB" : ""})`;
  const table = size.assumed ? "size unknown" : `${formatBytes(size.bytes)}, ${size.traffic}`;
  return `${lock.mode} on ${lock.relation} (${table}) ${blocks} ${held}`;
}

export function formatSeconds(s: number): string {
  if (s < 1) return "<1 s";
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function formatBytes(b: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${b < 10 && i > 0 ? b.toFixed(1) : Math.round(b)} ${units[i]}`;
}

function round(n: number): number {
  return n < 10 ? Math.round(n * 100) / 100 : Math.round(n);
}
