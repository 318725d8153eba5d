import type pg from "pg";
import type { ApplyLayout, Migration } from "../types.js";

export type NativeTool = "golang-migrate" | "flyway" | "diesel" | "prisma" | "drizzle" | "dbmate";

/** One applied migration as a history table knows it. */
export interface AppliedRecord {
  version: string;
  /** a checksum this history keeps, and whether the local file still matches it */
  matches?: (m: Migration) => boolean;
  source: "lockstep" | NativeTool;
}

export interface RecordInfo {
  startedAt: Date;
  durationMs: number;
  appliedBy: string;
}

export interface NativeReading {
  /** applied migrations, by version key */
  applied: Map<string, AppliedRecord>;
  /** why writing this history faithfully is not possible right now (dirty, failed rows, ...) */
  problems: string[];
  /** a version the tool marks as half-done (golang-migrate dirty) */
  dirtyVersion?: string;
}

/** An existing tool's history table: read it, and write exactly the row the tool would write. */
export interface NativeHistory {
  tool: NativeTool;
  layout: ApplyLayout;
  /** is the tool's table in the target (search_path)? */
  exists(client: pg.ClientBase): Promise<boolean>;
  /** create the table as the tool itself would */
  create(client: pg.ClientBase): Promise<void>;
  read(client: pg.ClientBase, local: Migration[]): Promise<NativeReading>;
  /** before a migration that cannot run in one transaction (committed on its own) */
  markStarted?(client: pg.ClientBase, m: Migration): Promise<void>;
  /** inside the migration's transaction, or right after a non-transactional one */
  record(client: pg.ClientBase, m: Migration, info: RecordInfo): Promise<void>;
}
