import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { SQUAWK_CASES, type SquawkCase } from "./squawk-cases.js";

/** Where squawk has two rules for what one of ours covers (or ours is split in two), the ids that answer its question. */
const OURS: Record<string, string[]> = {
  "adding-field-with-default": ["adding-field-with-default", "adding-stored-generated-column"],
  "adding-foreign-key-constraint": ["constraint-missing-not-valid"],
  "require-timeout-settings": ["require-timeout-settings", "require-statement-timeout"],
};

/** Where our verdict differs from squawk's, and why ours is the right (Postgres checked) or a defensible one. */
const DIFFERENT: Record<string, string> = {
  "adding-field-with-default default_random_with_args_err": "now(123) does not exist (Postgres: function now(integer) does not exist): the statement fails, nothing is rewritten",
  "adding-foreign-key-constraint add_foreign_key_constraint_not_valid_validate": "VALIDATE in the transaction that added the constraint NOT VALID keeps the ADD's locks through the scan; squawk's own constraint-missing-not-valid reports this SQL too",
  "adding-foreign-key-constraint add_column_references_lock": "Postgres does not check a new column's REFERENCES against existing rows (they hold no keys yet): no scan (seq_scan unchanged), only a brief lock on the referenced table",
  'ban-char-field fix_char_with_length (quoted "char")': 'Postgres rejects it (type modifier is not allowed for type "char"): "char" is the one-byte internal type, not character',
  'ban-char-field fix_char_with_length (quoted "character")': 'Postgres rejects it (type "character" does not exist)',
  "ban-char-field all_the_types": "`int array[]` is a syntax error in Postgres: Lockstep reports the syntax error (line 13, column 17)",
  "ban-concurrent-index-creation-in-transaction assuming_in_transaction_ok": "a tool that wraps the file in a transaction makes CREATE INDEX CONCURRENTLY fail (cannot run inside a transaction block), alone in the file or not",
  "prefer-bigint-over-int err (integer)": "a plain integer column (no primary key, identity, serial or foreign key) need not be 64-bit: Lockstep reports integer keys",
  "prefer-bigint-over-int err (int4)": "a plain integer column need not be 64-bit: Lockstep reports integer keys",
  "prefer-bigint-over-smallint fix_smallint_types (smallint)": "a plain smallint column need not be 64-bit: Lockstep reports smallint keys",
  "prefer-bigint-over-smallint fix_smallint_types (int2)": "a plain smallint column need not be 64-bit: Lockstep reports smallint keys",
  "prefer-bigint-over-smallint fix_array_types": "an array of smallint is no key: Lockstep reports smallint keys",
  "prefer-repack cluster_below_pg19_ok": "CLUSTER takes ACCESS EXCLUSIVE and rewrites on every version: where Postgres has no REPACK, Lockstep points to pg_repack",
  "prefer-repack vacuum_full_below_pg19_ok": "VACUUM FULL takes ACCESS EXCLUSIVE and rewrites on every version: where Postgres has no REPACK, Lockstep points to pg_repack",
  "prefer-robust-stmts alter_table_err": "the last statement runs alone: when it fails nothing of it stays, and the re-run repeats only the SELECT before it",
  "prefer-robust-stmts alter_table_drop_column_err": "the last statement runs alone: when it fails nothing of it stays, and the re-run repeats only the SELECT before it",
  "prefer-robust-stmts create_table_err": "the last statement runs alone: when it fails nothing of it stays, and the re-run repeats only the SELECT before it",
  "prefer-robust-stmts alter_table_drop_constraint_err": "the last statement runs alone: when it fails nothing of it stays, and the re-run repeats only the SELECT before it",
  "prefer-robust-stmts create_index_concurrently_unnamed_ok": "re-running an unnamed CREATE INDEX CONCURRENTLY builds a second copy of the index (Postgres names it ..._idx1)",
  "prefer-robust-stmts enable_row_level_security_err": "ENABLE ROW LEVEL SECURITY can be repeated: Postgres accepts it again",
  "prefer-robust-stmts enable_row_level_security_without_exists_check_err": "ENABLE ROW LEVEL SECURITY can be repeated: Postgres accepts it again",
  "prefer-robust-stmts disable_row_level_security_err": "DISABLE ROW LEVEL SECURITY can be repeated: Postgres accepts it again",
  "prefer-robust-stmts alter_column_set_not_null": "SET NOT NULL can be repeated: Postgres accepts it again",
  "prefer-robust-stmts create_temp_table_without_on_commit_drop_err": "a re-run is a new session, where the temporary table no longer exists",
  "prefer-robust-stmts create_table_with_on_commit_drop_err": "Postgres rejects ON COMMIT on a permanent table; as the last statement it leaves nothing behind",
  "require-concurrent-reindex reindex_system_ok": "REINDEX SYSTEM locks every catalog (SHARE) and its indexes (ACCESS EXCLUSIVE) in turn and has no CONCURRENTLY: Lockstep reports it, with what to do instead",
  "require-timeout-settings err_missing_statement_timeout": "ADD COLUMN without a default only changes the catalog: once the lock is granted it is done at once, so a statement_timeout bounds nothing",
  "require-timeout-settings err_other_ddl_operations": "CREATE TYPE locks no existing table: nothing queues behind it",
  "require-timeout-settings err_comment_on_explains_lock_impact": "COMMENT takes SHARE UPDATE EXCLUSIVE, which reads and writes do not wait for",
  "require-timeout-settings err_vacuum_full_false_uses_non_full_lock": "VACUUM (FULL false) is a plain VACUUM: SHARE UPDATE EXCLUSIVE, which reads and writes do not wait for",
  "require-timeout-settings err_lock_access_share_uses_correct_article": "ACCESS SHARE only makes ACCESS EXCLUSIVE requests wait: reads and writes go on",
  "require-timeout-settings fix_multiple_ddl_statements": "the ALTER is on a table the same file just created: nothing else uses it yet",
  "adding-not-nullable-field defaults_and_nullability (foreign table)": "a foreign table's NOT NULL is not checked against its (remote) data: there is no scan",
};

const key = (c: SquawkCase) => `${c.rule} ${c.name}`;

async function oursFires(c: SquawkCase): Promise<boolean> {
  // a plain numbered file runs statement by statement (autocommit); synapse's layout wraps each file in a transaction
  const report = await analyzeSql(c.wrapped ? "delta/1/case.sql" : "case.sql", c.sql, { ...(c.pg ? { pgVersion: Math.min(c.pg, 18) } : {}), ...(c.wrapped ? { layout: "synapse" } : {}) });
  const ids = OURS[c.rule] ?? [c.rule];
  return report.files[0]!.statements.some((s) => s.findings.some((f) => !f.ignored && ids.includes(f.rule)));
}

describe("squawk's own rule tests, for the rules both tools have", () => {
  it("the cases are distinct and every explained difference names a case", () => {
    expect(new Set(SQUAWK_CASES.map(key)).size).toBe(SQUAWK_CASES.length);
    for (const k of Object.keys(DIFFERENT)) expect(SQUAWK_CASES.map(key), k).toContain(k);
  });

  it("Lockstep gives squawk's verdict except where the difference is explained", async () => {
    const unexpected: string[] = [];
    for (const c of SQUAWK_CASES) {
      const ours = await oursFires(c);
      const differs = ours !== c.squawk;
      if (differs !== key(c) in DIFFERENT) unexpected.push(`${key(c)}: squawk ${c.squawk}, lockstep ${ours}\n  ${c.sql.replace(/\n/g, "\n  ")}`);
    }
    expect(unexpected.join("\n")).toBe("");
  });

  it("agreement is at least 80%, and docs/check.md states the figures", () => {
    const total = SQUAWK_CASES.length;
    const same = total - Object.keys(DIFFERENT).length;
    expect(same / total).toBeGreaterThanOrEqual(0.8);
    const doc = readFileSync(path.join(REPO_ROOT, "docs/check.md"), "utf8");
    expect(doc).toContain(`${same} of ${total} cases (${((100 * same) / total).toFixed(1)}%)`);
  });
});
