import type { AnalyzedFile, AnalyzedStatement } from "../analyze/analyze.js";
import type { AlterAction, ConstraintSummary, StatementSummary } from "../analyze/describe.js";
import type { SchemaContext } from "../analyze/schema.js";
import { rollbackOf } from "./rollback.js";
import { bareName, ident, objectName, sqlName } from "./sql.js";
import { FILL_PLACEHOLDER } from "../backfill/spec.js";
import { fillFor, type Fill } from "./fill.js";
import type { PlanMigration, PlanStep } from "./types.js";

/**
 * The safe rewrite of one analysed migration: unsafe statements become phased steps (expand ->
 * backfill -> validate -> contract, CONCURRENTLY builds in files of their own, data changes moved
 * out into backfill specs), safe statements are kept as they are, grouped into migration files.
 * `schema` must hold the schema as it was before the file (it is advanced statement by statement).
 */
export function planSteps(file: AnalyzedFile, schema: SchemaContext, opts: { db?: string; fills?: Fill[] } = {}): { steps: PlanStep[]; notes: string[]; changed: boolean; usedFills: Fill[] } {
  const b = new StepBuilder(opts.db, opts.fills ?? []);
  const hasSchemaChanges = file.statements.some((s) => !DML.has(s.summary.kind) && !s.summary.transaction && s.summary.kind !== "set");
  for (const st of file.statements) {
    planStatement(st, schema, b, hasSchemaChanges);
    schema.apply(st.summary);
  }
  b.flush();
  // contract phases go last: nothing else in the migration may need what they drop
  const steps = [...b.steps.filter((x) => x.phase !== "contract"), ...b.steps.filter((x) => x.phase === "contract")];
  return { steps, notes: b.notes, changed: b.changed, usedFills: [...b.usedFills] };
}

const DML = new Set(["insert", "update", "delete", "merge", "copy"]);
const LOCK_TIMEOUT = "SET lock_timeout = '5s'";

class StepBuilder {
  readonly steps: PlanStep[] = [];
  readonly notes: string[] = [];
  changed = false;
  readonly usedFills = new Set<Fill>();
  private pending: PlanMigration | undefined;

  /** db: how save commands name the database ("--db env:PROD_URL"); fills: --fill values for backfills */
  constructor(readonly db: string | undefined, private readonly fills: Fill[]) {}

  /** The --fill value for a column's existing rows, if given (and remember it was used). */
  fill(relation: string, column: string): Fill | undefined {
    const f = fillFor(this.fills, relation, column);
    if (f) this.usedFills.add(f);
    return f;
  }

  /** A statement that is safe as written: it joins the current migration file. */
  keep(sql: string, down: string[], phase = "schema"): void {
    this.pending ??= { kind: "migration", phase, slug: "", statements: [], down: [], transactional: true, why: "statements that are safe as written" };
    this.pending.statements.push(sql);
    this.pending.down.unshift(...down);
  }

  flush(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    p.slug = slugOf(p.statements);
    this.steps.push(p);
  }

  add(...steps: PlanStep[]): void {
    this.flush();
    this.changed = true;
    this.steps.push(...steps);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

function slugOf(statements: string[]): string {
  const first = statements[0]?.replace(/^(--[^\n]*\n)+/, "") ?? "";
  const words = first.split(/\s+/).slice(0, 6).join(" ");
  return words.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 50) || "schema";
}

function planStatement(st: AnalyzedStatement, schema: SchemaContext, b: StepBuilder, fileHasSchemaChanges: boolean): void {
  const s = st.summary;
  if (s.transaction) return b.changed || b.note("explicit BEGIN/COMMIT dropped: each generated file states its own transaction handling"), undefined;
  const existing = Boolean(s.relation) && !s.newTable;
  const keepAsIs = () => b.keep(st.parsed.sql, rollbackOf(s, schema, st.parsed.sql).sql);

  if (!existing) return keepAsIs();
  switch (s.kind) {
    case "create-index":
      if (!s.concurrently) return concurrentIndex(s, st.parsed.sql, schema, b);
      return keepAsIs();
    case "drop-index":
      if (!s.concurrently) return dropIndexConcurrently(s, schema, b);
      return keepAsIs();
    case "update":
      return moveUpdate(s, st.parsed.sql, b);
    case "delete":
      return b.add(batchedDml(s, "delete", s.dml?.whereText, "move the DELETE out of the schema migration: it runs in batches that commit one by one"));
    case "insert":
    case "merge":
      if (!fileHasSchemaChanges) return keepAsIs();
      b.flush();
      b.add({ kind: "migration", phase: "data", slug: `data_${s.kind}_${bareName(s.relation!)}`, statements: [st.parsed.sql], down: rollbackOf(s, schema, st.parsed.sql).sql, transactional: true, why: "schema and data changes in separate migrations" });
      return;
    case "alter-table":
      return alterTable(st, schema, b);
    case "drop-table":
      return contractDrop(st, schema, b, s.objects.map((o) => `table ${o}`), "ban-drop-table");
    default:
      return keepAsIs();
  }
}

/**
 * DROP COLUMN / DROP TABLE of existing data: a contract step, after the code stops using it and
 * after the data is saved (`lockstep save`), marked so that `lockstep check` knows it is deliberate.
 */
function contractDrop(st: AnalyzedStatement, schema: SchemaContext, b: StepBuilder, what: string[], rule: string): void {
  const r = rollbackOf(st.summary, schema, st.parsed.sql, b.db ? { db: b.db } : {});
  const save = /BEFORE applying, save (?:it|them): (.*?)(?: \(its| \(their|$)/.exec(r.note ?? "")?.[1];
  b.add(
    { kind: "deploy", phase: "contract", text: `Deploy code that no longer reads or writes ${what.join(", ")} (ORMs that cache columns restarted).` },
    { kind: "deploy", phase: "contract", text: save ? `Save the data the next migration destroys: ${save}` : `Take a backup of ${what.join(", ")}.` },
    {
      kind: "migration",
      phase: "contract",
      slug: `contract_${st.summary.kind.replace(/-/g, "_")}_${bareName(st.summary.relation ?? "x")}`,
      statements: [`-- lockstep-ignore ${rule}: contract step; the code stopped using ${what.join(", ")} and the data was saved (see the plan)\n${st.parsed.sql}`],
      down: r.sql,
      transactional: true,
      why: `drop ${what.join(", ")} once no code uses it and its data is saved`,
    },
  );
}

/* ------------------------------------------ ALTER TABLE ------------------------------------------ */

function alterTable(st: AnalyzedStatement, schema: SchemaContext, b: StepBuilder): void {
  const s = st.summary;
  const rel = s.relation!;
  const drops = s.actions.filter((a) => a.action === "drop-column" && a.column);
  if (drops.length && drops.length === s.actions.length) return contractDrop(st, schema, b, drops.map((a) => `${rel}.${a.column}`), "ban-drop-column");
  const rewrites = st.prediction.rewrites.includes(rel);
  const unsafe = s.actions.filter((a) => isUnsafe(a, rel, schema, rewrites));
  if (unsafe.length === 0) return b.keep(st.parsed.sql, rollbackOf(s, schema, st.parsed.sql).sql);
  const single = s.actions.length === 1;
  for (const a of s.actions) {
    if (!unsafe.includes(a)) {
      const sql = single ? st.parsed.sql : rebuildAction(rel, a);
      if (sql === undefined) {
        b.note(`${sqlName(rel)}: a subcommand (${a.action}) of a multi-part ALTER TABLE could not be split out automatically; it is kept with the first step`);
        b.keep(st.parsed.sql, []);
        return;
      }
      const one: StatementSummary = { ...s, actions: [a] };
      b.keep(sql, rollbackOf(one, schema, sql).sql);
      continue;
    }
    transformAction(a, rel, schema, b, single ? st.parsed.sql : undefined);
  }
}

function isUnsafe(a: AlterAction, rel: string, schema: SchemaContext, rewrites: boolean): boolean {
  switch (a.action) {
    case "add-column": {
      const c = a.columnDef;
      if (!c) return false;
      const volatileDefault = c.default?.volatility === "volatile";
      return (c.notNull && !c.default && !c.identity && !c.generated) || volatileDefault;
    }
    case "set-not-null":
      return !provenNotNull(rel, a.column!, schema);
    case "add-constraint": {
      const c = a.constraint;
      if (!c) return false;
      if (c.type === "foreign-key" || c.type === "check") return !c.notValid;
      if (c.type === "unique" || c.type === "primary-key") return !c.usingIndex;
      return false;
    }
    case "alter-column-type":
      return rewrites;
    case "rename-column":
    case "rename":
      return true;
    default:
      return false;
  }
}

/** A validated CHECK (col IS NOT NULL) or an existing NOT NULL makes SET NOT NULL instant. */
function provenNotNull(rel: string, column: string, schema: SchemaContext): boolean {
  const info = schema.relation(rel);
  if (info?.columns.find((c) => c.name === column)?.notNull) return true;
  const re = new RegExp(`^CHECK \\(\\(?"?${column.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"? IS NOT NULL\\)?\\)$`, "i");
  return Boolean(info?.constraints.some((c) => c.validated && c.type === "c" && (re.test(c.definition) || re.test(`CHECK (${c.definition})`))));
}

function transformAction(a: AlterAction, rel: string, schema: SchemaContext, b: StepBuilder, originalSql: string | undefined): void {
  switch (a.action) {
    case "add-column":
      return addColumn(a, rel, b);
    case "set-not-null":
      return b.add(...notNullSteps(rel, a.column!));
    case "add-constraint": {
      const c = a.constraint!;
      if (c.type === "foreign-key" || c.type === "check") return notValidThenValidate(c, rel, b, originalSql);
      return uniqueUsingIndex(c, rel, schema, b);
    }
    case "alter-column-type":
      return changeType(a, rel, schema, b);
    case "rename-column":
      return renameColumn(a.column!, a.newName!, rel, schema, b);
    case "rename":
      return renameTable(rel, a.newName!, b);
  }
}

/** SQL for one ALTER TABLE subcommand on its own, when the summary holds enough to write it. */
function rebuildAction(rel: string, a: AlterAction): string | undefined {
  const t = sqlName(rel);
  switch (a.action) {
    case "add-column": {
      const c = a.columnDef!;
      if (c.primaryKey || c.unique || c.references || c.checks.length || c.identity || c.generated) return undefined;
      return `ALTER TABLE ${t} ADD COLUMN ${ident(c.name)} ${c.type.text}${c.collation ? ` COLLATE ${ident(c.collation)}` : ""}${c.default ? ` DEFAULT ${c.default.text}` : ""}${c.notNull ? " NOT NULL" : ""}`;
    }
    case "drop-column":
      return `ALTER TABLE ${t} DROP COLUMN ${a.ifExists ? "IF EXISTS " : ""}${ident(a.column!)}${a.cascade ? " CASCADE" : ""}`;
    case "set-default":
      return `ALTER TABLE ${t} ALTER COLUMN ${ident(a.column!)} SET DEFAULT ${a.default!.text}`;
    case "drop-default":
      return `ALTER TABLE ${t} ALTER COLUMN ${ident(a.column!)} DROP DEFAULT`;
    case "drop-not-null":
      return `ALTER TABLE ${t} ALTER COLUMN ${ident(a.column!)} DROP NOT NULL`;
    case "drop-constraint":
      return `ALTER TABLE ${t} DROP CONSTRAINT ${a.ifExists ? "IF EXISTS " : ""}${ident(a.constraintName!)}`;
    case "validate-constraint":
      return `ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(a.constraintName!)}`;
    case "add-constraint":
      return a.constraint ? `ALTER TABLE ${t} ADD ${constraintSql(a.constraint, rel)}${a.constraint.notValid ? " NOT VALID" : ""}` : undefined;
    default:
      return undefined;
  }
}

/* --------------------------------------- transformations ---------------------------------------- */

/** ADD COLUMN ... NOT NULL without a default, or with a volatile default (a rewrite). */
function addColumn(a: AlterAction, rel: string, b: StepBuilder): void {
  const c = a.columnDef!;
  const t = sqlName(rel);
  const col = ident(c.name);
  const steps: PlanStep[] = [
    {
      kind: "migration",
      phase: "expand",
      slug: `add_${bareName(rel)}_${c.name}_nullable`,
      statements: [`ALTER TABLE ${t} ADD COLUMN ${col} ${c.type.text}${c.collation ? ` COLLATE ${ident(c.collation)}` : ""}`],
      down: [`ALTER TABLE ${t} DROP COLUMN ${col}`],
      transactional: true,
      why: `add ${c.name} nullable and without a volatile default: a catalog-only change, no table rewrite or scan`,
    },
  ];
  const dropped = [c.primaryKey && "PRIMARY KEY", c.unique && "UNIQUE", c.references && "REFERENCES", c.checks.length && "CHECK"].filter(Boolean);
  if (dropped.length) b.note(`${rel}.${c.name}: its inline ${dropped.join(", ")} constraint(s) are not in the plan: add them after the backfill (NOT VALID + VALIDATE, or a unique index CONCURRENTLY + USING INDEX)`);
  if (c.default) {
    // A volatile default: new rows get it from SET DEFAULT (catalog only); existing rows in batches.
    (steps[0] as PlanMigration).statements.push(`ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${c.default.text}`);
    steps.push(batchedDml({ relation: rel }, "update", `${col} IS NULL`, `fill ${c.name} of existing rows with ${c.default.text} in batches (a volatile expression cannot be a repeatable lockstep backfill)`, `${col} = ${c.default.text}`));
  } else {
    steps.push({ kind: "deploy", phase: "migrate", text: `Deploy application code that sets ${c.name} on every INSERT into ${rel} (so no new row gets a NULL) before the backfill.` });
    const fill = b.fill(rel, c.name);
    steps.push({
      kind: "backfill",
      phase: "backfill",
      slug: `backfill_${bareName(rel)}_${c.name}`,
      spec: { table: rel, set: `${col} = ${fill?.expression ?? FILL_PLACEHOLDER}`, where: `${col} IS NULL`, batch_size: "auto" },
      why: `give the existing rows a ${c.name} in batches that commit one by one`,
      ...(fill
        ? {}
        : { todo: `the migration gives no value for the existing rows of ${rel}: replace ${FILL_PLACEHOLDER} in the spec with it, or plan again with --fill "${c.name} = <expression>" (lockstep backfill refuses the spec until then)` }),
    });
  }
  if (c.notNull) steps.push(...notNullSteps(rel, c.name));
  b.add(...steps);
}

/** SET NOT NULL without a full scan under ACCESS EXCLUSIVE: a validated CHECK proves it first. */
export function notNullSteps(rel: string, column: string): PlanMigration[] {
  const t = sqlName(rel);
  const col = ident(column);
  const check = ident(objectName(bareName(rel), column, "nn_check"));
  const add = `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID`;
  const validate = `ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`;
  return [
    { kind: "migration", phase: "constrain", slug: `check_${bareName(rel)}_${column}_not_null`, statements: [LOCK_TIMEOUT, add], down: [`ALTER TABLE ${t} DROP CONSTRAINT ${check}`], transactional: true, why: "a NOT VALID check is catalog-only: it holds the lock for an instant" },
    { kind: "migration", phase: "validate", slug: `validate_${bareName(rel)}_${column}_not_null`, statements: [validate], down: [], transactional: true, why: "VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on" },
    {
      kind: "migration",
      phase: "constrain",
      slug: `set_${bareName(rel)}_${column}_not_null`,
      statements: [LOCK_TIMEOUT, `ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL`, `ALTER TABLE ${t} DROP CONSTRAINT ${check}`],
      down: [add, validate, `ALTER TABLE ${t} ALTER COLUMN ${col} DROP NOT NULL`],
      transactional: true,
      why: "the validated check proves there are no NULLs, so SET NOT NULL skips the scan; the check is then redundant",
    },
  ];
}

function defaultConstraintName(c: ConstraintSummary, rel: string): string {
  const suffix = { "primary-key": "pkey", unique: "key", "foreign-key": "fkey", check: "check", exclusion: "excl", "not-null": "not_null" }[c.type];
  if (c.type === "primary-key") return objectName(bareName(rel), "pkey");
  const cols = c.columns.length ? c.columns : (c.checksNotNullOf ? [c.checksNotNullOf] : []);
  return objectName(bareName(rel), ...cols, suffix);
}

function constraintSql(c: ConstraintSummary, rel: string): string {
  const name = `CONSTRAINT ${ident(c.name ?? defaultConstraintName(c, rel))} `;
  const cols = (xs: string[]) => xs.map(ident).join(", ");
  switch (c.type) {
    case "foreign-key": {
      const r = c.references!;
      return `${name}FOREIGN KEY (${cols(c.columns)}) REFERENCES ${sqlName(r.relation)}${r.columns.length ? ` (${cols(r.columns)})` : ""}${r.onDelete ? ` ON DELETE ${r.onDelete.toUpperCase()}` : ""}${r.onUpdate ? ` ON UPDATE ${r.onUpdate.toUpperCase()}` : ""}${c.deferrable ? " DEFERRABLE" : ""}`;
    }
    case "check":
      return `${name}CHECK (${c.expression?.text ?? "true"})`;
    case "unique":
      return `${name}UNIQUE${c.usingIndex ? ` USING INDEX ${ident(c.usingIndex)}` : ` (${cols(c.columns)})`}`;
    case "primary-key":
      return `${name}PRIMARY KEY${c.usingIndex ? ` USING INDEX ${ident(c.usingIndex)}` : ` (${cols(c.columns)})`}`;
    default:
      return `${name}${c.type.toUpperCase()}`;
  }
}

/** FOREIGN KEY / CHECK: NOT VALID now, VALIDATE in a later transaction. */
function notValidThenValidate(c: ConstraintSummary, rel: string, b: StepBuilder, originalSql: string | undefined): void {
  const t = sqlName(rel);
  const name = c.name ?? defaultConstraintName(c, rel);
  let add: string;
  if (originalSql && c.name) add = `${originalSql} NOT VALID`;
  else if (originalSql) add = `${originalSql.replace(/\bADD\s+(?=(CHECK|FOREIGN\s+KEY)\b)/i, `ADD CONSTRAINT ${ident(name)} `)} NOT VALID`;
  else add = `ALTER TABLE ${t} ADD ${constraintSql({ ...c, name }, rel)} NOT VALID`;
  const what = c.type === "foreign-key" ? "foreign key" : "check";
  b.add(
    { kind: "migration", phase: "constrain", slug: `add_${bareName(rel)}_${name}_not_valid`, statements: [LOCK_TIMEOUT, add], down: [`ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`], transactional: true, why: `the ${what} is enforced for new rows at once; existing rows are not scanned under the lock` },
    { kind: "migration", phase: "validate", slug: `validate_${bareName(rel)}_${name}`, statements: [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(name)}`], down: [], transactional: true, why: "VALIDATE checks existing rows under SHARE UPDATE EXCLUSIVE (and ROW SHARE on the referenced table): reads and writes go on" },
  );
}

/** CREATE INDEX -> CREATE INDEX CONCURRENTLY, alone in a file that runs outside a transaction. */
function concurrentIndex(s: StatementSummary, sql: string, schema: SchemaContext, b: StepBuilder): void {
  if (schema.relation(s.relation)?.kind === "partitioned-table") {
    b.note(`${s.relation} is partitioned: CREATE INDEX CONCURRENTLY is not supported on it. Build the index on each partition CONCURRENTLY, then CREATE INDEX ON ONLY the parent and ALTER INDEX ... ATTACH PARTITION each one.`);
    b.keep(sql, rollbackOf(s, schema, sql).sql);
    return;
  }
  const name = s.index?.name ?? objectName(bareName(s.relation!), ...(s.index?.columns.length ? s.index.columns : ["expr"]), "idx");
  const [schemaName] = (s.relation ?? "public.x").split(".");
  const qualified = sqlName(`${schemaName}.${name}`);
  let cic = sql.replace(/^CREATE\s+(UNIQUE\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?/i, (_m, u: string | undefined, ine: string | undefined) => `CREATE ${u ? "UNIQUE " : ""}INDEX CONCURRENTLY ${ine ? "IF NOT EXISTS " : ""}`);
  if (!s.index?.name) cic = cic.replace(/INDEX CONCURRENTLY (IF NOT EXISTS )?/i, (m) => `${m}${ident(name)} `);
  b.add(concurrentIndexStep(cic, name, qualified, s.relation!, "build the index without blocking writes"));
}

function concurrentIndexStep(sql: string, name: string, qualified: string, rel: string, why: string): PlanMigration {
  return {
    kind: "migration",
    phase: "index",
    slug: `index_${name}`,
    statements: [sql],
    down: [`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`],
    transactional: false,
    why: `${why}; CONCURRENTLY cannot run inside a transaction block, so it is alone in its file`,
    onFailure: `a failed or cancelled build leaves an INVALID index ${name} on ${rel}: run DROP INDEX CONCURRENTLY IF EXISTS ${qualified}; then run this migration again`,
  };
}

function dropIndexConcurrently(s: StatementSummary, schema: SchemaContext, b: StepBuilder): void {
  for (const idx of s.objects) {
    const single: StatementSummary = { ...s, objects: [idx], concurrently: true };
    const sql = `DROP INDEX CONCURRENTLY ${s.ifExists ? "IF EXISTS " : ""}${sqlName(idx)}`;
    b.add({ kind: "migration", phase: "index", slug: `drop_index_${bareName(idx)}`, statements: [sql], down: rollbackOf(single, schema, sql).sql, transactional: false, why: "drop the index without blocking reads and writes; CONCURRENTLY drops one index per statement, outside a transaction block" });
  }
}

/** UNIQUE / PRIMARY KEY: build the unique index CONCURRENTLY, then attach it as the constraint. */
function uniqueUsingIndex(c: ConstraintSummary, rel: string, schema: SchemaContext, b: StepBuilder): void {
  const t = sqlName(rel);
  const name = c.name ?? defaultConstraintName(c, rel);
  const [schemaName] = rel.split(".");
  const cols = c.columns.map(ident).join(", ");
  const steps: PlanStep[] = [concurrentIndexStep(`CREATE UNIQUE INDEX CONCURRENTLY ${ident(name)} ON ${t} (${cols})`, name, sqlName(`${schemaName}.${name}`), rel, "build the unique index without blocking writes")];
  if (c.type === "primary-key") {
    const nullable = c.columns.filter((col) => !provenNotNull(rel, col, schema));
    if (!schema.known) b.note(`PRIMARY KEY USING INDEX sets NOT NULL on ${c.columns.join(", ")}: without --db/--schema the plan assumes they may be nullable and proves NOT NULL first`);
    for (const col of nullable) steps.push(...notNullSteps(rel, col));
  }
  const kind = c.type === "primary-key" ? "PRIMARY KEY" : "UNIQUE";
  steps.push({ kind: "migration", phase: "constrain", slug: `add_${bareName(rel)}_${name}_using_index`, statements: [LOCK_TIMEOUT, `ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} ${kind} USING INDEX ${ident(name)}`], down: [`ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`], transactional: true, why: "attaching an existing unique index as the constraint is catalog-only" });
  b.add(...steps);
}

/** A sync trigger keeping `to` equal to `expr` (of NEW's columns), optionally both ways. */
function syncTrigger(rel: string, from: string, to: string, toExpr: string, both: boolean): { create: string[]; drop: string[]; name: string } {
  const t = sqlName(rel);
  const name = objectName(bareName(rel), "sync", from, to);
  const [schemaName] = rel.split(".");
  const fn = sqlName(`${schemaName}.${name}`);
  const f = ident(from);
  const n = ident(to);
  const body = both
    ? [
        `  IF TG_OP = 'INSERT' THEN`,
        `    IF NEW.${n} IS NULL THEN NEW.${n} := NEW.${f}; ELSIF NEW.${f} IS NULL THEN NEW.${f} := NEW.${n}; END IF;`,
        `  ELSIF NEW.${n} IS DISTINCT FROM OLD.${n} THEN`,
        `    NEW.${f} := NEW.${n};`,
        `  ELSE`,
        `    NEW.${n} := NEW.${f};`,
        `  END IF;`,
      ]
    : [`  NEW.${n} := ${toExpr};`];
  return {
    name,
    create: [
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $lockstep$\nBEGIN\n${body.join("\n")}\n  RETURN NEW;\nEND\n$lockstep$`,
      `CREATE TRIGGER ${ident(name)} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ],
    drop: [`DROP TRIGGER IF EXISTS ${ident(name)} ON ${t}`, `DROP FUNCTION IF EXISTS ${fn}()`],
  };
}

function columnType(rel: string, column: string, schema: SchemaContext, b: StepBuilder): string {
  const c = schema.column(rel, column);
  if (c) return c.type;
  b.note(`the type of ${rel}.${column} is unknown without --db or --schema: the plan assumes text — correct it before applying`);
  return "text";
}

/** RENAME COLUMN: expand (new column + two-way sync trigger) -> migrate (backfill, app reads new) -> contract. */
function renameColumn(from: string, to: string, rel: string, schema: SchemaContext, b: StepBuilder): void {
  const t = sqlName(rel);
  const type = columnType(rel, from, schema, b);
  const old = schema.column(rel, from);
  const sync = syncTrigger(rel, from, to, "", true);
  const add = [`ALTER TABLE ${t} ADD COLUMN ${ident(to)} ${type}`, ...(old?.default ? [`ALTER TABLE ${t} ALTER COLUMN ${ident(to)} SET DEFAULT ${old.default}`] : [])];
  const steps: PlanStep[] = [
    { kind: "migration", phase: "expand", slug: `expand_${bareName(rel)}_${to}`, statements: [LOCK_TIMEOUT, ...add, ...sync.create], down: [...sync.drop, `ALTER TABLE ${t} DROP COLUMN ${ident(to)}`], transactional: true, why: `add ${to} next to ${from}; the trigger ${sync.name} keeps both in sync on every write, whichever one the running code writes` },
    { kind: "backfill", phase: "migrate", slug: `backfill_${bareName(rel)}_${to}`, spec: { table: rel, set: `${ident(to)} = ${ident(from)}`, batch_size: "auto" }, why: `copy ${from} into ${to} for the existing rows, in batches` },
  ];
  if (old?.notNull) steps.push(...notNullSteps(rel, to));
  if (!schema.known) b.note(`${rel}.${from}: without --db/--schema its NOT NULL, default, indexes and constraints are unknown and not copied to ${to}`);
  steps.push(
    { kind: "deploy", phase: "migrate", text: `Deploy application code that reads ${to} (writing ${to}; the trigger mirrors it into ${from} for code still running the old version).` },
    { kind: "deploy", phase: "contract", text: `Wait until no running code uses ${from} (every instance deployed; ORMs that cache columns restarted), then apply the contract step.` },
    {
      kind: "migration",
      phase: "contract",
      slug: `contract_${bareName(rel)}_drop_${from}`,
      statements: [LOCK_TIMEOUT, ...sync.drop, `-- lockstep-ignore ban-drop-column: contract phase of renaming ${from} to ${to}; the code uses ${to} since the migrate phase\nALTER TABLE ${t} DROP COLUMN ${ident(from)}`],
      down: [`ALTER TABLE ${t} ADD COLUMN ${ident(from)} ${type}`, ...sync.create],
      transactional: true,
      why: `drop ${from} and the sync trigger once the code no longer uses ${from}`,
    },
  );
  b.note(`rename ${rel}.${from} -> ${to}: to roll back, stop at phase 1 (expand) and revert the app; after the contract step ${from}'s data exists only in ${to}`);
  b.add(...steps);
}

/** RENAME TABLE: rename plus an updatable view under the old name, then drop the view. */
function renameTable(rel: string, newName: string, b: StepBuilder): void {
  const [schemaName, oldName] = rel.split(".") as [string, string];
  const oldT = sqlName(rel);
  const newT = sqlName(`${schemaName}.${newName}`);
  const view = `CREATE VIEW ${oldT} AS SELECT * FROM ${newT}`;
  b.add(
    {
      kind: "migration",
      phase: "expand",
      slug: `rename_${oldName}_to_${newName}`,
      statements: [LOCK_TIMEOUT, `-- lockstep-ignore renaming-table: a compatibility view keeps the old name working in the same transaction\nALTER TABLE ${oldT} RENAME TO ${ident(newName)}`, view],
      down: [`DROP VIEW ${oldT}`, `ALTER TABLE ${newT} RENAME TO ${ident(oldName)}`],
      transactional: true,
      why: `rename, and keep ${oldName} working as a simple (automatically updatable) view, so running code can still read and write through it`,
    },
    { kind: "deploy", phase: "migrate", text: `Deploy application code that uses ${newName}; ${oldName} keeps working as a view meanwhile (columns added to ${newName} later do not appear in the view).` },
    { kind: "migration", phase: "contract", slug: `drop_view_${oldName}`, statements: [`DROP VIEW ${oldT}`], down: [view], transactional: true, why: `drop the compatibility view once no code uses ${oldName}` },
  );
}

/** A rewriting type change: new column, sync trigger, backfill, swap, contract. */
function changeType(a: AlterAction, rel: string, schema: SchemaContext, b: StepBuilder): void {
  const t = sqlName(rel);
  const col = a.column!;
  const next = objectName(col, "new");
  const oldCol = objectName(col, "old");
  const type = a.type!.text;
  const oldType = columnType(rel, col, schema, b);
  const info = schema.column(rel, col);
  const conv = a.using ? a.using.text : `${ident(col)}::${type}`;
  const convNew = a.using ? a.using.text.replace(new RegExp(`(?<![.\\w"])${col}\\b`, "g"), `NEW.${ident(col)}`) : `NEW.${ident(col)}::${type}`;
  const sync = syncTrigger(rel, col, next, convNew, false);
  const rename = (x: string, y: string) => `ALTER TABLE ${t} RENAME COLUMN ${ident(x)} TO ${ident(y)}`;
  const defaults = info?.default ? [`ALTER TABLE ${t} ALTER COLUMN ${ident(col)} DROP DEFAULT`, `ALTER TABLE ${t} ALTER COLUMN ${ident(next)} SET DEFAULT ${info.default}`] : [];
  const steps: PlanStep[] = [
    { kind: "migration", phase: "expand", slug: `expand_${bareName(rel)}_${next}`, statements: [LOCK_TIMEOUT, `ALTER TABLE ${t} ADD COLUMN ${ident(next)} ${type}`, ...sync.create], down: [...sync.drop, `ALTER TABLE ${t} DROP COLUMN ${ident(next)}`], transactional: true, why: `a new ${type} column, kept equal to ${conv} by the trigger ${sync.name} on every write` },
    { kind: "backfill", phase: "migrate", slug: `backfill_${bareName(rel)}_${next}`, spec: { table: rel, set: `${ident(next)} = ${conv}`, batch_size: "auto" }, why: `convert the existing rows in batches` },
  ];
  if (info?.notNull) steps.push(...notNullSteps(rel, next));
  const rel_ = schema.relation(rel);
  const dependents = [...(rel_?.indexes.filter((i) => i.columns.includes(col)).map((i) => `index ${i.name}`) ?? []), ...(rel_?.constraints.filter((c) => c.columns.includes(col) && c.type !== "n").map((c) => `constraint ${c.name}`) ?? [])];
  if (dependents.length) b.note(`${rel}.${col} has ${dependents.join(", ")}: build the same on ${next} (CONCURRENTLY / USING INDEX) before the swap, or they keep pointing at ${oldCol}`);
  if (!schema.known) b.note(`${rel}.${col}: without --db/--schema its indexes, constraints and default are unknown: recreate them on ${next} before the swap`);
  steps.push(
    { kind: "deploy", phase: "migrate", text: `Make sure the application works with ${col} as ${type} before the swap (ORM types, casts, API serialisation).` },
    {
      kind: "migration",
      phase: "swap",
      slug: `swap_${bareName(rel)}_${col}`,
      statements: [LOCK_TIMEOUT, ...sync.drop, `-- lockstep-ignore renaming-column: swap step of changing ${col} to ${type}; both renames commit together\n${rename(col, oldCol)}`, `-- lockstep-ignore renaming-column: swap step of changing ${col} to ${type}\n${rename(next, col)}`, ...defaults],
      down: [...(info?.default ? [`ALTER TABLE ${t} ALTER COLUMN ${ident(col)} DROP DEFAULT`, `ALTER TABLE ${t} ALTER COLUMN ${ident(oldCol)} SET DEFAULT ${info.default}`] : []), rename(col, next), rename(oldCol, col), ...sync.create],
      transactional: true,
      why: `${col} becomes the ${type} column in one short transaction; the old values stay in ${oldCol}`,
    },
    { kind: "deploy", phase: "contract", text: `Once the application runs fine on the new ${col}, apply the contract step (the old ${oldType} values are in ${oldCol} until then).` },
    {
      kind: "migration",
      phase: "contract",
      slug: `contract_${bareName(rel)}_drop_${oldCol}`,
      statements: [`-- lockstep-ignore ban-drop-column: contract phase of changing ${col} to ${type}; ${oldCol} holds the pre-swap copy\nALTER TABLE ${t} DROP COLUMN ${ident(oldCol)}`],
      down: [`ALTER TABLE ${t} ADD COLUMN ${ident(oldCol)} ${oldType}`],
      transactional: true,
      why: `drop the old copy`,
    },
  );
  b.add(...steps);
}

/** UPDATE on an existing table -> a backfill spec (batches that commit one by one). */
function moveUpdate(s: StatementSummary, sql: string, b: StepBuilder): void {
  const sets = s.dml?.sets ?? [];
  const volatile = s.dml?.fromQuery || sets.length === 0;
  if (volatile) {
    b.add({ kind: "migration", phase: "data", slug: `data_update_${bareName(s.relation!)}`, statements: [sql], down: [], transactional: true, why: "schema and data changes in separate migrations" });
    b.note(`UPDATE ... FROM on ${s.relation} cannot be written as a backfill spec: it was moved to a data migration of its own; consider batching it`);
    return;
  }
  b.add({
    kind: "backfill",
    phase: "backfill",
    slug: `backfill_${bareName(s.relation!)}_${sets.map((x) => x.column).join("_")}`,
    spec: { table: s.relation!, set: sets.length === 1 ? `${ident(sets[0]!.column)} = ${sets[0]!.expression}` : sets.map((x) => `${ident(x.column)} = ${x.expression}`), ...(s.dml?.whereText ? { where: s.dml.whereText } : {}), batch_size: "auto", save_old: true },
    why: "the UPDATE runs as a batched backfill (keyset batches that commit one by one) instead of one long transaction; save_old keeps the old values so it can be reversed",
  });
}

/** A DELETE (or a volatile fill) in batches that commit one by one, in a DO block outside a transaction. */
function batchedDml(s: Pick<StatementSummary, "relation">, kind: "delete" | "update", where: string | undefined, why: string, set?: string): PlanMigration {
  const t = sqlName(s.relation!);
  const cond = where ? `WHERE ${where} ` : "";
  const dml = kind === "delete" ? `DELETE FROM ${t}` : `UPDATE ${t} SET ${set}`;
  const body = [
    "DO $lockstep$",
    "DECLARE n bigint;",
    "BEGIN",
    "  LOOP",
    `    ${dml} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${t} ${cond}LIMIT 1000));`,
    "    GET DIAGNOSTICS n = ROW_COUNT;",
    "    EXIT WHEN n = 0;",
    "    COMMIT;",
    "  END LOOP;",
    "END",
    "$lockstep$",
  ].join("\n");
  return { kind: "migration", phase: "data", slug: `${kind}_${bareName(s.relation!)}_batched`, statements: [body], down: [], transactional: false, why: `${why}; COMMIT inside DO needs a file that runs outside a transaction block` };
}
