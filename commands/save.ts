import path from "node:path";
import { z } from "zod";
import { defineCommand } from "../src/command.js";
import { resolveDatabaseUrl } from "../src/db/connection.js";
import { UserError } from "../src/errors.js";
import type { SaveResult } from "../src/plan/save.js";

const args = z.object({
  db: z.string().optional(),
  target: z.string().optional(),
  table: z.string().min(1),
  columns: z.string().optional(),
  where: z.string().optional(),
  out: z.string().min(1),
});

/** `lockstep save`: keep the data a migration is about to destroy, before applying it. */
export const saveCommand = defineCommand({
  name: "save",
  summary: "save a table's rows (or some columns) to a CSV file with COPY, before a migration destroys them",
  description: `Run it BEFORE applying a migration that drops a column or table, truncates or deletes (lockstep plan prints the
exact line). Reads with COPY (SELECT ...) TO STDOUT over a read-only connection; never overwrites --out.
Restore with \\copy ... FROM (the output says how).`,
  options: [
    { flags: "--db <url>", description: "database to read (URL or env:VAR)" },
    { flags: "--target <name>", description: "a target from lockstep.yml" },
    { flags: "--table <name>", description: "table to save (schema.table or table)" },
    { flags: "--columns <list>", description: "only these columns, comma-separated: the key first (e.g. id,legacy_name)" },
    { flags: "--where <condition>", description: "only the rows matching this condition (e.g. what a DELETE removes)" },
    { flags: "--out <file>", description: "CSV file to write (with a header line); never overwritten" },
  ],
  formats: ["text", "json"],
  args,
  async run(ctx, a): Promise<SaveResult> {
    const { saveData } = await import("../src/plan/save.js");
    const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
    if (!url) throw new UserError("usage", "save: give --db URL|env:VAR or --target NAME");
    const columns = a.columns?.split(",").map((c) => c.trim()).filter(Boolean);
    return saveData({ url, table: a.table, ...(columns?.length ? { columns } : {}), ...(a.where ? { where: a.where } : {}), out: path.resolve(ctx.cwd, a.out) });
  },
  render(r, format) {
    if (format === "json") return JSON.stringify(r, null, 2);
    return [`saved ${r.rows} row(s) of ${r.table} (${r.columns.join(", ")}) to ${r.out}`, "to restore:", ...r.restore.split("\n").map((l) => `  ${l}`)].join("\n");
  },
});
