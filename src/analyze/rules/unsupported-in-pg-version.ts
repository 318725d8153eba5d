import type { RuleStatement } from "./define.js";
import { defineRule } from "./define.js";
import type { SchemaSnapshot } from "../types.js";

/** A feature the statement uses and the first Postgres major version that accepts it (Infinity: none does). */
type Need = { feature: string; since: number };

export default defineRule({
  id: "unsupported-in-pg-version",
  severity: "error",
  summary: "The statement uses syntax or a feature the target Postgres version (--pg-version) does not have: it fails there",
  docs: {
    bad: "MERGE INTO accounts a USING deposits d ON a.id = d.account_id WHEN MATCHED THEN UPDATE SET balance = a.balance + d.amount;",
    good: "UPDATE accounts a SET balance = a.balance + d.amount FROM deposits d WHERE a.id = d.account_id;",
    why: "Lockstep's parser knows Postgres 18's grammar; older servers reject what they do not know, or what they cannot do (REINDEX CONCURRENTLY before 12, DETACH PARTITION CONCURRENTLY before 14, MERGE before 15, VIRTUAL generated columns and NOT ENFORCED before 18).",
    pgVersion: 14,
  },
  appliesTo: { kinds: ["reindex", "merge", "drop-index", "create-trigger", "create-index"], actions: true, columns: true },
  check(ctx) {
    return needs(ctx.statement, ctx.schema)
      .filter((n) => n.since > ctx.pgVersion)
      .map((n) => ({
        message:
          n.since === Infinity
            ? `${n.feature}: no Postgres version supports it, the statement fails`
            : `${n.feature} needs Postgres ${n.since} or later; the target is Postgres ${ctx.pgVersion}, which rejects the statement`,
        fix: n.since === Infinity ? "-- rewrite the statement without it" : `-- check against the server's version (--pg-version ${n.since} or later, or --db), or rewrite the statement without ${n.feature}`,
      }));
  },
});

function needs(s: RuleStatement, schema: SchemaSnapshot): Need[] {
  const out: Need[] = [];
  if (s.kind === "reindex") {
    if (s.concurrently) out.push(s.objectType === "system" ? { feature: "REINDEX SYSTEM CONCURRENTLY", since: Infinity } : { feature: "REINDEX CONCURRENTLY", since: 12 });
    if ((s.objectType === "database" || s.objectType === "system") && !s.relation) out.push({ feature: `REINDEX ${s.objectType.toUpperCase()} without a database name`, since: 16 });
  }
  if (s.kind === "merge") out.push({ feature: "MERGE", since: 15 });
  if (s.kind === "drop-index" && s.concurrently && s.objects.length > 1) out.push({ feature: "DROP INDEX CONCURRENTLY of several indexes in one statement", since: Infinity });
  if (s.kind === "create-trigger" && s.ifNotExists) out.push({ feature: "CREATE OR REPLACE TRIGGER", since: 14 });
  if (s.kind === "create-index") {
    if (s.index?.nullsNotDistinct) out.push({ feature: "NULLS NOT DISTINCT", since: 15 });
    if (s.concurrently && s.relation && schema.relations[s.relation]?.kind === "partitioned-table") out.push({ feature: "CREATE INDEX CONCURRENTLY on a partitioned table", since: Infinity });
  }
  for (const c of s.columns) {
    if (c.generated === "virtual") out.push({ feature: `VIRTUAL generated column ${c.name} (before 18, GENERATED ALWAYS AS needs STORED)`, since: 18 });
    if (c.generated === "stored") out.push({ feature: `generated column ${c.name}`, since: 12 });
  }
  for (const c of s.constraints) if (c.notEnforced) out.push({ feature: "NOT ENFORCED", since: 18 });
  for (const a of s.actions) {
    if ((a.action === "detach-partition" && a.concurrently) || a.action === "detach-partition-finalize") out.push({ feature: "DETACH PARTITION CONCURRENTLY / FINALIZE", since: 14 });
    if (a.action === "add-constraint" && a.constraint?.type === "not-null") out.push({ feature: "ADD CONSTRAINT ... NOT NULL", since: 18 });
    if (a.action === "set-expression") out.push({ feature: "ALTER COLUMN ... SET EXPRESSION", since: 17 });
    if (a.action === "set-compression") out.push({ feature: "ALTER COLUMN ... SET COMPRESSION", since: 14 });
    if (a.action === "set-access-method") out.push(a.newName ? { feature: "SET ACCESS METHOD", since: 15 } : { feature: "SET ACCESS METHOD DEFAULT", since: 17 });
    if (a.action === "alter-constraint" && a.alters?.includes("enforceability")) out.push({ feature: "ALTER CONSTRAINT ... [NOT] ENFORCED", since: 18 });
    if (a.action === "alter-constraint" && a.alters?.includes("inheritability")) out.push({ feature: "ALTER CONSTRAINT ... [NO] INHERIT", since: 18 });
  }
  return out;
}
