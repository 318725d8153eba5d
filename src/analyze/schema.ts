import type { ColumnSummary, DescribeContext, StatementSummary } from "./describe.js";
import { applyBehaviour, foreignKeyInfo } from "./schema-behaviour.js";
import type { ColumnInfo, ConstraintInfo, RelationInfo, SchemaSnapshot } from "./types.js";

/**
 * The schema as the migration sees it at each statement: a starting snapshot (live catalog,
 * replayed --schema, or empty) plus the effects of the statements analysed so far.
 */
export class SchemaContext implements DescribeContext {
  readonly snapshot: SchemaSnapshot;
  /** true when the starting point came from a database (--db / --schema), not from statements */
  readonly known: boolean;
  private readonly created = new Set<string>();
  private readonly assumed = new Set<string>();
  private readonly assumedInOrder: string[] = [];
  /** FK target -> tables that may reference it (verified on read; keeps lookups O(1) on big schemas) */
  private readonly fkSources = new Map<string, Set<string>>();
  /** qualified index name -> table (verified on read) */
  private readonly indexOwners = new Map<string, string>();
  /** relation -> views / materialized views that may read it (verified on read) */
  private readonly readers = new Map<string, Set<string>>();

  constructor(start?: SchemaSnapshot) {
    this.snapshot = start
      ? (structuredClone(start) as SchemaSnapshot)
      : { source: "statements", relations: {}, types: {}, assumptions: [] };
    this.known = Boolean(start) && start!.source !== "statements";
    for (const [key, r] of Object.entries(this.snapshot.relations)) this.indexRelation(key, r);
  }

  private indexRelation(key: string, r: RelationInfo): void {
    for (const c of r.constraints) if (c.type === "f" && c.references) this.indexFk(key, c.references);
    for (const i of r.indexes) this.indexOwners.set(i.qualifiedName, key);
    if (r.table) this.indexOwners.set(key, r.table);
    for (const read of r.reads ?? []) {
      let set = this.readers.get(read);
      if (!set) this.readers.set(read, (set = new Set()));
      set.add(key);
    }
  }

  /** Views and materialized views that depend on `rel`, transitively (what DROP ... CASCADE drops). */
  dependentViews(rel: string): string[] {
    const out = new Set<string>();
    const visit = (name: string) => {
      for (const key of this.readers.get(name) ?? []) {
        const r = this.snapshot.relations[key];
        if (!r || out.has(key) || !(r.kind === "view" || r.kind === "materialized-view") || !(r.reads ?? []).includes(name)) continue;
        out.add(key);
        visit(key);
      }
    };
    visit(rel);
    return [...out];
  }

  /** Views and materialized views whose query uses `column` of `rel` (all readers when the columns are unknown). */
  viewsUsingColumn(rel: string, column: string): string[] {
    return [...(this.readers.get(rel) ?? [])].filter((key) => {
      const r = this.snapshot.relations[key];
      if (!r || !(r.kind === "view" || r.kind === "materialized-view") || !(r.reads ?? []).includes(rel)) return false;
      return !r.readColumns || (r.readColumns[rel] ?? []).includes(column);
    });
  }

  private indexFk(source: string, target: string): void {
    let set = this.fkSources.get(target);
    if (!set) this.fkSources.set(target, (set = new Set()));
    set.add(source);
  }

  /** A mark for assumptionsSince(). */
  get assumptionCount(): number {
    return this.assumed.size;
  }

  /** Assumptions added after `mark` (from assumptionCount). */
  assumptionsSince(mark: number): string[] {
    return this.assumedInOrder.slice(mark);
  }

  /** answers to effects/rows.ts questions, probed on the database before the run (check --db) */
  private readonly rowFacts = new Map<string, boolean>();
  /** relations an earlier statement of the run may have written (their row facts no longer hold) */
  private readonly written = new Set<string>();

  /** Add probed answers (key -> whether such a row exists). */
  addRowFacts(facts: Iterable<[string, boolean]>): void {
    for (const [k, v] of facts) this.rowFacts.set(k, v);
  }

  /** A probed answer about `table`'s rows, unless the run may have written it (or what it reads) since. */
  rowFact(key: string, table: string | string[]): boolean | undefined {
    const answer = this.rowFacts.get(key);
    if (answer === undefined) return undefined;
    return this.expandViews(typeof table === "string" ? [table] : table).some((r) => this.written.has(r)) ? undefined : answer;
  }

  /**
   * A table this migration created (CREATE TABLE, not AS) that no statement since may have written:
   * it holds no row. (CREATE TABLE AS and every write mark it written.)
   */
  knownEmpty(table: string): boolean {
    const r = this.relation(table);
    return this.isNew(table) && !this.written.has(table) && (r?.kind === "table" || r?.kind === "partitioned-table") && this.partitionsOf(table).every((p) => this.isNew(p) && !this.written.has(p));
  }

  /** Rows of this relation may have changed from here on. */
  markWritten(rel: string): void {
    this.written.add(rel);
  }

  /** session_replication_role as SET by the statements so far (replica: only ENABLE REPLICA / ALWAYS triggers and rules fire) */
  replicationRole: "origin" | "replica" | "local" = "origin";

  /** A new migration (file) starts: relations created by earlier files are no longer "new". */
  startMigration(): void {
    this.replicationRole = "origin"; // a setting may not outlive its file's connection: assume the default
    for (const name of this.created) {
      const r = this.snapshot.relations[name];
      if (r) r.isNew = false;
    }
    this.created.clear();
  }

  /** What had to be assumed (statement-derived schema only). */
  get assumptions(): string[] {
    return [...this.snapshot.assumptions, ...this.assumed];
  }

  relation(name: string | undefined): RelationInfo | undefined {
    return name ? this.snapshot.relations[name] : undefined;
  }

  isNew(name: string): boolean {
    return this.created.has(name) || this.snapshot.relations[name]?.isNew === true;
  }

  /** Record that a relation not in the schema was assumed to be an existing, populated table. */
  assumeExisting(name: string): void {
    if (this.known || this.relation(name)) return;
    this.assume(`${name} is not created in these migrations: assumed to be an existing table with data`);
  }

  /**
   * Record an assumption about the schema (shown only when the schema came from statements), or,
   * with `always`, one that even the catalog cannot settle (what a statement will do at run time).
   */
  assume(text: string, always = false): void {
    if ((this.known && !always) || this.assumed.has(text)) return;
    this.assumed.add(text);
    this.assumedInOrder.push(text);
  }

  tableOfIndex(index: string): string | undefined {
    const rel = this.snapshot.relations[index];
    if (rel?.table) return rel.table;
    const owner = this.indexOwners.get(index);
    return owner && this.snapshot.relations[owner]?.indexes.some((i) => i.qualifiedName === index) ? owner : undefined;
  }

  /** Partitions (recursively) of a partitioned table. */
  partitionsOf(name: string): string[] {
    const out: string[] = [];
    const visit = (n: string) => {
      for (const p of this.relation(n)?.partitions ?? []) {
        out.push(p);
        visit(p);
      }
    };
    visit(name);
    return out;
  }

  /**
   * Every table below `name` (find_all_inheritors): partitions, sub-partitions and the children of
   * legacy inheritance, each once.
   */
  inheritorsOf(name: string): string[] {
    const out = new Set<string>();
    const visit = (n: string, depth: number) => {
      if (depth > 32) return;
      for (const c of this.directInheritorsOf(n)) {
        if (out.has(c) || c === name) continue;
        out.add(c);
        visit(c, depth + 1);
      }
    };
    visit(name, 0);
    return [...out];
  }

  /** The partitions and legacy inheritance children of `name`, one level down. */
  directInheritorsOf(name: string): string[] {
    const r = this.relation(name);
    return [...(r?.partitions ?? []), ...(r?.children ?? [])];
  }

  /** `name` and the partitioned tables above it, nearest first. */
  partitionAncestry(name: string): string[] {
    const out = [name];
    for (let r = this.relation(name); r?.parent && out.length < 32; r = this.relation(r.parent)) out.push(r.parent);
    return out;
  }

  /** A table or materialized view has storage of its own (a partitioned table or view has none); an unknown relation is taken for a table. */
  hasStorage(name: string): boolean {
    const kind = this.relation(name)?.kind;
    return kind === undefined || kind === "table" || kind === "materialized-view";
  }

  defaultPartitionOf(parent: string): string | undefined {
    return this.relation(parent)?.partitions?.find((p) => {
      const r = this.relation(p);
      return r?.defaultPartition || r?.partitionBound === "DEFAULT";
    });
  }

  /** Foreign keys declared on `table`. */
  foreignKeysOf(table: string): ConstraintInfo[] {
    return (this.relation(table)?.constraints ?? []).filter((c) => c.type === "f" && c.references);
  }

  /**
   * Foreign keys declared on `table` by the user (not the copies Postgres keeps on partitions and
   * towards each partition of a partitioned referenced table).
   */
  ownForeignKeysOf(table: string): ConstraintInfo[] {
    return this.foreignKeysOf(table).filter((c) => !c.inherited);
  }

  /**
   * Foreign keys that depend on a unique index (not a constraint's): those referencing its table on
   * exactly its columns. DROP INDEX ... CASCADE drops them.
   */
  foreignKeysOnIndex(index: string): Array<{ table: string; constraint: ConstraintInfo }> {
    const table = this.tableOfIndex(index);
    const info = table ? this.relation(table)?.indexes.find((i) => i.qualifiedName === index) : undefined;
    if (!table || !info?.unique || info.primary || info.partial) return [];
    const owned = this.relation(table)!.constraints.some((c) => (c.type === "p" || c.type === "u" || c.type === "x") && `${table.split(".")[0]}.${c.index ?? c.name}` === index);
    if (owned) return [];
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((c) => b.includes(c));
    return this.referencing(table).filter(({ constraint }) => {
      const cols = constraint.referencedColumns?.length ? constraint.referencedColumns : undefined;
      return cols !== undefined && same(cols, info.columns);
    });
  }

  private dropConstraintOf(table: string, c: ConstraintInfo): void {
    const t = this.snapshot.relations[table];
    if (t) t.constraints = t.constraints.filter((x) => x !== c);
  }

  /** Tables with a foreign key referencing `table`, and those constraints. */
  referencing(table: string): Array<{ table: string; constraint: ConstraintInfo }> {
    const out: Array<{ table: string; constraint: ConstraintInfo }> = [];
    for (const key of this.fkSources.get(table) ?? []) {
      for (const c of this.snapshot.relations[key]?.constraints ?? []) if (c.type === "f" && c.references === table) out.push({ table: key, constraint: c });
    }
    return out;
  }

  /** Base relations a view reads, following views of views; includes the intermediate views. */
  expandViews(names: string[]): string[] {
    const out = new Set<string>();
    const visit = (n: string, depth: number) => {
      if (out.has(n) || depth > 32) return;
      out.add(n);
      const r = this.relation(n);
      if (r && (r.kind === "view" || r.kind === "materialized-view") && r.kind === "view") for (const x of r.reads ?? []) visit(x, depth + 1);
    };
    for (const n of names) visit(n, 0);
    return [...out];
  }

  /** Tables with a column whose type is the domain (or an array of it). */
  tablesUsingType(type: string): string[] {
    const bare = type.replace(/^public\./, "");
    const dot = type.lastIndexOf(".");
    const arrayOf = `${type.slice(0, dot + 1)}_${type.slice(dot + 1)}`;
    return Object.entries(this.snapshot.relations)
      .filter(([, r]) => (r.kind === "table" || r.kind === "partitioned-table" || r.kind === "materialized-view") && r.columns.some((c) => c.typeName === type || c.typeName === bare || c.typeName === `${type}[]` || c.typeName === arrayOf))
      .map(([k]) => k);
  }

  column(table: string, col: string): ColumnInfo | undefined {
    return this.relation(table)?.columns.find((c) => c.name === col);
  }

  /** Apply a statement's effects so that later statements see them. */
  /** A statement since the catalog was read may have changed it (DDL, a DO block, a call): probed catalog answers no longer hold. */
  catalogChanged = false;
  /** every name those statements mention (relations, constraints, indexes, columns, new names), unqualified */
  readonly changedNames = new Set<string>();

  /**
   * Does a question to the catalog, asked before the run, still hold? When nothing has changed
   * the catalog since; or when the question names the objects it looks for (string literals other
   * than schema names) and no change since mentions any of them.
   */
  catalogAnswerHolds(sql: string): boolean {
    if (!this.catalogChanged) return true;
    const schemas = new Set(Object.values(this.snapshot.relations).map((r) => r.schema));
    const literals = [...sql.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
    const objects = literals.filter((l) => !schemas.has(l) && l !== "public");
    return objects.length > 0 && !objects.some((l) => this.changedNames.has(l) || this.changedNames.has(l.split(".").at(-1)!));
  }

  apply(s: StatementSummary): void {
    const rels = this.snapshot.relations;
    const rel = s.relation;
    if (!KEEPS_CATALOG.has(s.kind)) {
      this.catalogChanged = true;
      namesIn(s, this.changedNames);
    }
    applyBehaviour(this.snapshot, s);
    if (s.setting?.name === "session_replication_role" || (s.kind === "reset" && !s.setting)) {
      const role = s.kind === "reset" ? "origin" : (s.setting?.value?.toLowerCase() ?? "default");
      if (role === "origin" || role === "replica" || role === "local" || role === "default") this.replicationRole = role === "default" ? "origin" : role;
    }
    switch (s.kind) {
      case "create-table":
      case "create-table-as":
      case "create-view":
      case "create-materialized-view": {
        if (!rel || (s.ifNotExists && rels[rel] && s.kind !== "create-view")) return;
        const [schema, name] = split(rel);
        const kind = s.kind === "create-view" ? "view" : s.kind === "create-materialized-view" ? "materialized-view" : s.partitionBy ? "partitioned-table" : "table";
        const info: RelationInfo = {
          schema,
          name,
          kind,
          columns: s.columns.map(columnInfo),
          constraints: [],
          indexes: [],
          isNew: true,
          ...(s.reads.length && kind !== "table" ? { reads: s.reads } : {}),
          ...(s.from && kind === "view" ? { viewFrom: s.from } : {}),
          ...(s.persistence ? { persistence: s.persistence } : {}),
          ...(s.partitionKey ? { partitionKey: s.partitionKey } : {}),
          ...(s.partitionBound ? { partitionBound: s.partitionBound } : {}),
          ...(s.accessMethod && s.accessMethod !== "heap" ? { accessMethod: s.accessMethod } : {}),
          ...(s.ofType ? { ofType: s.ofType } : {}),
          ...(s.inherits.length ? { inherits: s.inherits } : {}),
        };
        rels[rel] = info;
        this.created.add(rel);
        this.indexRelation(rel, info);
        for (const c of s.constraints) this.addConstraint(rel, c, s.columns);
        for (const p of s.inherits) if (rels[p]) rels[p]!.children = [...(rels[p]!.children ?? []), rel];
        if (s.partitionOf) {
          info.parent = s.partitionOf;
          if (s.defaultPartition) info.defaultPartition = true;
          const parent = rels[s.partitionOf];
          if (parent) {
            parent.partitions = [...(parent.partitions ?? []), rel];
            if (!info.columns.length) info.columns = parent.columns.map((c) => ({ ...c }));
          }
        }
        return;
      }
      case "create-statistics":
        if (s.statisticsName && rel) (this.snapshot.statistics ??= {})[s.statisticsName] = rel;
        return;
      case "drop-statistic-ext":
        for (const o of s.objects) delete this.snapshot.statistics?.[o];
        return;
      case "create-publication":
      case "alter-publication":
        if (s.publication) this.applyPublication(s.publication);
        return;
      case "drop-publication":
        for (const o of s.objects) delete this.snapshot.publications?.[o];
        return;
      case "create-trigger":
        if (s.trigger?.level === "row" && rel && rels[rel]?.kind === "partitioned-table") rels[rel]!.partitionTriggers = [...(rels[rel]!.partitionTriggers ?? []), s.trigger.name];
        return;
      case "create-index": {
        const t = rel ? rels[rel] : undefined;
        if (!t || !s.index?.name) return;
        const q = s.index.qualifiedName!;
        t.indexes.push({ name: s.index.name, qualifiedName: q, columns: s.index.columns, unique: s.index.unique, primary: false, valid: true, partial: s.index.partial, definition: "" });
        this.indexOwners.set(q, rel!);
        rels[q] = { schema: t.schema, name: s.index.name, kind: "index", columns: [], constraints: [], indexes: [], table: rel };
        return;
      }
      case "create-type":
      case "create-domain": {
        const t = s.newType;
        if (!t) return;
        const [schema, name] = split(t.name);
        const checks = s.constraints.filter((c) => c.type === "check").map((c) => c.expression?.text ?? "");
        this.snapshot.types[t.name] = {
          schema,
          name,
          kind: t.kind,
          ...(t.labels ? { labels: t.labels } : {}),
          ...(t.baseType ? { baseType: typeNameOf(t.baseType), baseTypeFormatted: t.baseType.text } : {}),
          ...(t.kind === "domain" ? { checks, notNull: s.constraints.some((c) => c.type === "not-null") } : {}),
        };
        return;
      }
      case "alter-type": {
        const rename = s.actions.find((a) => a.action === "rename");
        if (rename?.newName && s.relation) return this.renameType(s.relation, rename.newName);
        const t = s.enumValue ? this.snapshot.types[s.enumValue.type] : undefined;
        if (t?.labels && s.enumValue && !t.labels.includes(s.enumValue.value)) t.labels.push(s.enumValue.value);
        return;
      }
      case "alter-domain": {
        const t = s.domain ? this.snapshot.types[s.domain.name] : undefined;
        if (t && s.domain?.action === "add-constraint" && s.domain.constraint) t.checks = [...(t.checks ?? []), s.domain.constraint.expression?.text ?? ""];
        if (t && s.domain?.action === "set-not-null") t.notNull = true;
        return;
      }
      case "drop-index":
        if (s.cascade) for (const o of s.objects) for (const fk of this.foreignKeysOnIndex(o)) this.dropConstraintOf(fk.table, fk.constraint);
        for (const o of s.objects) this.drop(o);
        return;
      case "drop-table":
      case "drop-view":
      case "drop-materialized-view":
        for (const o of s.objects) this.drop(o);
        return;
    }
    if (s.kind === "alter-table" && rel && !rels[rel] && !this.known) return this.applyToAssumed(rel, s);
    // ALTER TRIGGER / POLICY / RULE ... ON table RENAME renames that object, not the table (schema-behaviour.ts)
    if (s.kind.startsWith("alter-") && !NOT_THE_TABLE.has(s.kind) && rel && rels[rel]) this.applyAlter(rel, s);
  }

  /**
   * ALTER TABLE on a table no statement created (assumed to exist): its columns stay unknown, but
   * the constraints the migrations add, validate and drop are kept, so a later migration sees a
   * CHECK validated by an earlier one (NOT VALID, VALIDATE, SET NOT NULL in three files).
   */
  private applyToAssumed(rel: string, s: StatementSummary): void {
    const actions = s.actions.filter((a) => CONSTRAINT_ACTIONS.has(a.action));
    if (!actions.length) return;
    const [schema, name] = split(rel);
    this.snapshot.relations[rel] = { schema, name, kind: "table", columns: [], constraints: [], indexes: [] };
    this.applyAlter(rel, { ...s, actions });
  }

  private applyPublication(p: NonNullable<StatementSummary["publication"]>): void {
    const pubs = (this.snapshot.publications ??= {});
    const named = p.tables.flatMap((t) => this.publishedWith(t));
    const now = pubs[p.name] ?? [];
    const next = p.action === "drop" ? now.filter((t) => !named.includes(t)) : p.action === "add" ? [...now, ...named] : named;
    pubs[p.name] = [...new Set(next)].sort();
  }

  /** The tables `FOR TABLE t` adds to a publication: t, and without ONLY its legacy inheritance children (never partitions). */
  publishedWith(t: { name: string; only: boolean }): string[] {
    return t.only || this.relation(t.name)?.kind === "partitioned-table" ? [t.name] : [t.name, ...this.inheritorsOf(t.name)];
  }

  /** The tables a publication names now (undefined when the publication is unknown). */
  publicationTables(name: string): string[] | undefined {
    return this.snapshot.publications?.[name];
  }

  private applyAlter(rel: string, s: StatementSummary): void {
    const rels = this.snapshot.relations;
    const t = rels[rel]!;
    for (const a of s.actions) {
      switch (a.action) {
        case "add-column":
          if (a.columnDef && !t.columns.some((c) => c.name === a.columnDef!.name)) t.columns.push(columnInfo(a.columnDef));
          if (a.columnDef?.references) this.addConstraint(rel, { type: "foreign-key", columns: [a.columnDef.name], notValid: false, references: a.columnDef.references }, []);
          break;
        case "drop-column":
          t.columns = t.columns.filter((c) => c.name !== a.column);
          t.constraints = t.constraints.filter((c) => !c.columns.includes(a.column ?? ""));
          break;
        case "alter-column-type": {
          const c = t.columns.find((x) => x.name === a.column);
          if (c && a.type) Object.assign(c, { type: a.type.text, typeName: typeNameOf(a.type), typmod: typmodOf(a.type) });
          break;
        }
        case "set-not-null":
        case "drop-not-null": {
          const c = t.columns.find((x) => x.name === a.column);
          if (c) c.notNull = a.action === "set-not-null";
          break;
        }
        case "set-default":
        case "drop-default": {
          const c = t.columns.find((x) => x.name === a.column);
          if (c) c.default = a.default?.text;
          break;
        }
        case "add-constraint":
          if (a.constraint) this.addConstraint(rel, a.constraint, t.columns.map((c) => ({ name: c.name }) as ColumnSummary));
          break;
        case "drop-constraint": {
          const gone = t.constraints.find((c) => c.name === a.constraintName);
          t.constraints = t.constraints.filter((c) => c.name !== a.constraintName);
          // a primary key, unique or exclusion constraint takes its index with it
          if (gone && (gone.type === "p" || gone.type === "u" || gone.type === "x")) {
            const index = gone.index ?? `${t.schema}.${gone.name}`;
            const qualified = index.includes(".") ? index : `${t.schema}.${index}`;
            t.indexes = t.indexes.filter((i) => i.qualifiedName !== qualified && i.name !== gone.name);
            if (rels[qualified]?.table === rel) delete rels[qualified];
            this.indexOwners.delete(qualified);
          }
          break;
        }
        case "validate-constraint": {
          const c = t.constraints.find((x) => x.name === a.constraintName);
          if (c) c.validated = true;
          break;
        }
        case "attach-partition":
          if (a.partition) {
            t.partitions = [...(t.partitions ?? []), a.partition];
            const p = rels[a.partition];
            if (p) p.parent = rel;
          }
          break;
        case "detach-partition":
          t.partitions = (t.partitions ?? []).filter((p) => p !== a.partition);
          if (a.partition && rels[a.partition]) delete rels[a.partition]!.parent;
          break;
        case "rename-column": {
          const c = t.columns.find((x) => x.name === a.column);
          if (c && a.newName) c.name = a.newName;
          break;
        }
        case "rename":
          if (a.newName) this.rename(rel, `${t.schema}.${a.newName}`);
          break;
        case "set-logged":
          t.persistence = "permanent";
          break;
        case "set-access-method":
          if (a.newName && a.newName !== "heap") t.accessMethod = a.newName;
          else if (a.newName === "heap" || !this.snapshot.defaultAccessMethod) delete t.accessMethod;
          else t.accessMethod = this.snapshot.defaultAccessMethod;
          break;
        case "inherit":
          if (a.parent) {
            t.inherits = [...(t.inherits ?? []), a.parent];
            const p = rels[a.parent];
            if (p) p.children = [...(p.children ?? []), rel];
          }
          break;
        case "no-inherit":
          if (a.parent) {
            t.inherits = t.inherits?.filter((x) => x !== a.parent);
            const p = rels[a.parent];
            if (p) p.children = p.children?.filter((x) => x !== rel);
          }
          break;
        case "set-unlogged":
          t.persistence = "unlogged";
          break;
      }
    }
  }

  private addConstraint(rel: string, c: StatementSummary["constraints"][number], columns: Pick<ColumnSummary, "name">[]): void {
    const t = this.snapshot.relations[rel];
    if (!t) return;
    const type = ({ "primary-key": "p", unique: "u", "foreign-key": "f", check: "c", exclusion: "x", "not-null": "n" } as const)[c.type];
    const cols = c.columns.length ? c.columns : columns.map((x) => x.name).slice(0, 1);
    const name = c.name ?? defaultConstraintName(t.name, cols, c.type);
    const info: ConstraintInfo = { name, type, columns: cols, validated: !c.notValid, definition: checkDefinition(c) };
    const fk = c.references;
    if (fk) Object.assign(info, foreignKeyInfo(fk, c.initiallyDeferred));
    else if (c.initiallyDeferred) info.initiallyDeferred = true;
    if (c.deferrable) info.deferrable = true;
    if (c.notEnforced) info.notEnforced = true;
    if (c.noInherit) info.noInherit = true;
    t.constraints.push(info);
    if (c.references) this.indexFk(rel, c.references.relation);
    if (type === "p" || type === "u") {
      const index = c.usingIndex ?? name;
      t.indexes.push({ name: index, qualifiedName: `${t.schema}.${index}`, columns: cols, unique: true, primary: type === "p", valid: true, partial: false, definition: "" });
      this.indexOwners.set(`${t.schema}.${index}`, rel);
    }
    if (type === "p") for (const col of t.columns) if (cols.includes(col.name)) col.notNull = true;
  }

  /**
   * ALTER TYPE old RENAME TO new: the columns of that type keep it under its new name, so a later
   * ALTER COLUMN ... TYPE to a new type that took the old name is a change of type (a rewrite).
   */
  private renameType(from: string, newName: string): void {
    const [nsp, oldName] = split(from);
    const to = `${nsp}.${newName}`;
    const types = this.snapshot.types;
    if (types[from]) {
      types[to] = { ...types[from]!, name: newName };
      delete types[from];
    }
    const names: Array<[string, string, string, string]> = [
      [from, to, oldName, newName],
      [`${nsp}._${oldName}`, `${nsp}._${newName}`, `${oldName}[]`, `${newName}[]`],
    ];
    for (const r of Object.values(this.snapshot.relations)) {
      for (const c of r.columns) {
        for (const [a, b, textA, textB] of names) {
          if (c.typeName !== a) continue;
          c.typeName = b;
          c.type = c.type.replace(new RegExp(`(^|\\.|")${textA.replace(/[[\]]/g, "\\$&")}`), (_m, pre: string) => `${pre}${textB}`);
        }
      }
    }
  }

  private drop(name: string): void {
    const rels = this.snapshot.relations;
    const r = rels[name];
    if (r?.table && rels[r.table]) rels[r.table]!.indexes = rels[r.table]!.indexes.filter((i) => i.qualifiedName !== name);
    if (r?.parent && rels[r.parent]) rels[r.parent]!.partitions = rels[r.parent]!.partitions?.filter((p) => p !== name);
    for (const parent of r?.inherits ?? []) if (rels[parent]) rels[parent]!.children = rels[parent]!.children?.filter((c) => c !== name);
    for (const p of [...(r?.partitions ?? []), ...(r?.children ?? [])]) delete rels[p];
    delete rels[name];
    this.created.delete(name);
  }

  private rename(from: string, to: string): void {
    const rels = this.snapshot.relations;
    const r = rels[from];
    if (!r) return;
    r.name = split(to)[1];
    rels[to] = r;
    delete rels[from];
    if (this.created.delete(from)) this.created.add(to);
    this.indexRelation(to, r);
    // only the relations linked to this one can mention its name
    for (const key of this.fkSources.get(from) ?? []) {
      const other = rels[key];
      for (const c of other?.constraints ?? []) {
        if (c.references !== from) continue;
        c.references = to;
        this.indexFk(key === from ? to : key, to);
      }
    }
    for (const p of r.partitions ?? []) if (rels[p]) rels[p]!.parent = to;
    if (r.parent && rels[r.parent]?.partitions) rels[r.parent]!.partitions = rels[r.parent]!.partitions!.map((p) => (p === from ? to : p));
    for (const i of r.indexes) {
      const idx = rels[i.qualifiedName];
      if (idx?.table === from) idx.table = to;
      this.indexOwners.set(i.qualifiedName, to);
    }
  }
}

/** Every identifier-like string of a summary (names of what it changes), unqualified. */
function namesIn(x: unknown, out: Set<string>, depth = 0): void {
  if (depth > 12 || x === null || x === undefined) return;
  if (typeof x === "string") {
    for (const part of x.split(".")) if (/^[A-Za-z_][\w$]{0,62}$/.test(part.replace(/"/g, ""))) out.add(part.replace(/"/g, ""));
    return;
  }
  if (Array.isArray(x)) return x.forEach((v) => namesIn(v, out, depth + 1));
  if (typeof x === "object") for (const v of Object.values(x)) namesIn(v, out, depth + 1);
}

/** Statements that leave the catalog as it is (functions they call aside: a call marks it changed) */
const KEEPS_CATALOG = new Set(["insert", "update", "delete", "merge", "copy", "select", "set", "reset", "begin", "commit", "rollback", "transaction", "explain", "comment", "grant", "revoke", "analyze", "vacuum", "lock"]);

/** ALTER statements whose relation is the table an object belongs to, not what they change */
const NOT_THE_TABLE = new Set(["alter-trigger", "alter-policy", "alter-rule"]);

const CONSTRAINT_ACTIONS = new Set(["add-constraint", "validate-constraint", "drop-constraint"]);

/** Like pg_get_constraintdef for a CHECK, so that rules read statement-derived and catalog constraints alike. */
function checkDefinition(c: StatementSummary["constraints"][number]): string {
  if (c.type !== "check") return c.expression?.text ?? "";
  if (c.checksNotNullOf) return `CHECK (${c.checksNotNullOf} IS NOT NULL)`;
  return c.expression ? `CHECK (${c.expression.text})` : "";
}

function split(q: string): [string, string] {
  const i = q.indexOf(".");
  return [q.slice(0, i), q.slice(i + 1)];
}

function defaultConstraintName(table: string, cols: string[], type: string): string {
  const suffix = { "primary-key": "pkey", unique: "key", "foreign-key": "fkey", check: "check", exclusion: "excl", "not-null": "not_null" }[type] ?? "con";
  return type === "primary-key" ? `${table}_pkey` : `${table}_${cols.join("_")}_${suffix}`;
}

/** Built-in type names the grammar leaves unqualified (the rest it qualifies with pg_catalog). */
const BUILTIN_TYPES = new Set(["text", "uuid", "jsonb", "json", "bytea", "date", "timestamptz", "timetz", "inet", "cidr", "macaddr", "money", "xml", "tsvector", "tsquery", "citext", "point", "line", "box", "polygon", "circle", "name", "oid", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "hstore", "regclass", "bit", "varbit"]);

function typeNameOf(t: ColumnSummary["type"]): string {
  const schema = t.schema ?? (BUILTIN_TYPES.has(t.name) || t.serial ? "pg_catalog" : "public");
  return `${schema}.${t.name}${t.array ? "[]" : ""}`;
}

function typmodOf(t: ColumnSummary["type"]): number {
  return t.typmods.length ? t.typmods[0]! : -1;
}

function columnInfo(c: ColumnSummary): ColumnInfo {
  return {
    name: c.name,
    type: c.type.text,
    typeName: typeNameOf(c.type),
    typmod: typmodOf(c.type),
    notNull: c.notNull,
    ...(c.default ? { default: c.default.text } : {}),
    ...(c.identity ? { identity: c.identity } : {}),
    ...(c.generated ? { generated: c.generated } : {}),
  };
}
