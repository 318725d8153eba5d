import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** drizzle-kit's meta/_journal.json of a migrations directory (an empty one when there is none). */
export function readJournal(migrationsDir: string): Journal {
  const file = path.join(migrationsDir, "meta", "_journal.json");
  if (!existsSync(file)) return { version: "7", dialect: "postgresql", entries: [] };
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as Partial<Journal>;
    return { version: j.version ?? "7", dialect: j.dialect ?? "postgresql", ...j, entries: j.entries ?? [] };
  } catch (e) {
    throw new UserError("bad-journal", `${file}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * The journal with one entry per new migration (tag = file name without .sql), as drizzle-kit
 * generate adds them: the next idx, `when` the clock's milliseconds (after the last entry's), breakpoints on.
 * drizzle-kit migrate runs the entries whose `when` is later than the newest one it recorded.
 */
export function appendEntries(journal: Journal, tags: string[], now: Date): Journal {
  const last = journal.entries.at(-1);
  const first = Math.max(now.getTime(), (last?.when ?? 0) + 1);
  const idx = (last?.idx ?? -1) + 1;
  const added = tags.map((tag, i) => ({ idx: idx + i, version: last?.version ?? journal.version, when: first + i, tag, breakpoints: true }));
  return { ...journal, entries: [...journal.entries, ...added] };
}
