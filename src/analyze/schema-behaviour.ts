import type { ForeignKeyTarget, StatementSummary } from "./describe.js";
import type { ConstraintInfo, FkAction, RelationInfo, RoutineInfo, SchemaSnapshot, TriggerInfo } from "./types.js";

/**
 * What a statement changes in the schema's behaviour: triggers (created, dropped, renamed, enabled
 * or disabled), rules, functions and procedures. Applied to the snapshot so that later statements
 * of the migration (and later files) see them, as they see tables and columns.
 */
/**
 * A dropped trigger no longer ties its table to its function: unless another trigger, a default
 * or a constraint of the table names the function, DROP FUNCTION ... CASCADE no longer reaches it.
 */
function forgetTriggerDependency(snapshot: SchemaSnapshot, table: string, r: RelationInfo, fn: string): void {
  const key = `function ${fn}`;
  const deps = snapshot.dependents?.[key];
  if (!deps?.includes(table)) return;
  const bare = fn.slice(fn.indexOf(".") + 1);
  const named = (text: string | undefined) => text !== undefined && text.includes(bare);
  if ((r.triggers ?? []).some((t) => t.function === fn) || r.columns.some((c) => named(c.default) || named(c.generationExpression)) || r.constraints.some((c) => named(c.definition)) || r.indexes.some((i) => named(i.definition))) return;
  snapshot.dependents![key] = deps.filter((d) => d !== table);
}

export function applyBehaviour(snapshot: SchemaSnapshot, s: StatementSummary): void {
  const rel = s.relation ? snapshot.relations[s.relation] : undefined;
  switch (s.kind) {
    case "create-trigger":
    case "create-constraint-trigger":
      if (rel && s.trigger) upsert((rel.triggers ??= []), triggerInfo(s.trigger));
      return;
    case "drop-trigger":
    case "drop-rule":
      s.objects.forEach((table, i) => {
        const r = snapshot.relations[table];
        const name = s.droppedNames?.[i];
        if (!r || !name) return;
        if (s.kind === "drop-trigger") {
          const gone = r.triggers?.find((t) => t.name === name);
          r.triggers = r.triggers?.filter((t) => t.name !== name);
          if (gone) forgetTriggerDependency(snapshot, table, r, gone.function);
        } else r.rules = r.rules?.filter((x) => x.name !== name);
      });
      return;
    case "alter-trigger": {
      const a = s.actions[0];
      const t = rel?.triggers?.find((x) => x.name === a?.constraintName);
      if (t && a?.newName) t.name = a.newName;
      return;
    }
    case "create-rule":
      if (rel && s.rule && s.rule.event !== "select") {
        const { name, event, instead, conditional, definition = "" } = s.rule;
        upsert((rel.rules ??= []), { name, event: event as "insert" | "update" | "delete", instead, ...(conditional ? { conditional } : {}), enabled: "O", definition });
      }
      return;
    case "create-function":
    case "create-procedure": {
      const r = s.routine;
      if (!r) return;
      const routines = (snapshot.routines ??= {});
      const info: RoutineInfo = { kind: r.kind, language: r.language, args: r.args, ...(r.definition ? { definition: r.definition } : {}) };
      routines[r.name] = [...(routines[r.name] ?? []).filter((x) => x.args !== r.args), info];
      return;
    }
    case "create-event-trigger": {
      const e = s.eventTrigger;
      if (e?.event && e.function) upsert((snapshot.eventTriggers ??= []), { name: e.name, event: e.event, function: e.function, enabled: "O", ...(e.tags ? { tags: e.tags } : {}) });
      return;
    }
    case "alter-event-trigger": {
      const t = snapshot.eventTriggers?.find((x) => x.name === s.eventTrigger?.name);
      if (t && s.eventTrigger?.enabled) t.enabled = s.eventTrigger.enabled;
      return;
    }
    case "drop-event-trigger":
      snapshot.eventTriggers = snapshot.eventTriggers?.filter((t) => !s.objects.some((o) => o === t.name || o === `public.${t.name}`));
      return;
    case "drop-function":
    case "drop-procedure":
    case "drop-routine":
      for (const o of s.objects) if (snapshot.routines) delete snapshot.routines[o.toLowerCase()];
      return;
  }
  if (rel) for (const a of s.actions) if (a.trigger) setTriggerState(rel, a.trigger);
}

function upsert<T extends { name: string }>(list: T[], item: T): void {
  const i = list.findIndex((x) => x.name === item.name);
  if (i >= 0) list[i] = item;
  else list.push(item);
}

function triggerInfo(t: NonNullable<StatementSummary["trigger"]>): TriggerInfo {
  return {
    name: t.name,
    function: t.function ?? "",
    timing: t.timing as TriggerInfo["timing"],
    level: t.level,
    events: t.events as TriggerInfo["events"],
    enabled: "O",
    ...(t.columns ? { columns: t.columns } : {}),
    ...(t.when ? { when: t.when } : {}),
  };
}

/** ALTER TABLE ... ENABLE / DISABLE TRIGGER name | ALL | USER (ALL also covers the FK triggers: see fkTriggersDisabled) */
function setTriggerState(rel: RelationInfo, change: NonNullable<NonNullable<StatementSummary["actions"][number]["trigger"]>>): void {
  for (const t of rel.triggers ?? []) if (change.all || t.name === change.name) t.enabled = change.enabled;
  if (change.all === "all") rel.fkTriggersDisabled = change.enabled === "D" || undefined;
}

/** A foreign key's target and actions, as the catalog gives them (NO ACTION and MATCH SIMPLE left out). */
export function foreignKeyInfo(fk: ForeignKeyTarget, initiallyDeferred: boolean | undefined): Partial<ConstraintInfo> {
  const info: Partial<ConstraintInfo> = { references: fk.relation };
  if (fk.columns.length) info.referencedColumns = fk.columns;
  if (fk.onDelete && fk.onDelete !== "no action") info.onDelete = fk.onDelete as FkAction;
  if (fk.onUpdate && fk.onUpdate !== "no action") info.onUpdate = fk.onUpdate as FkAction;
  if (fk.matchFull) info.matchFull = true;
  if (initiallyDeferred) info.initiallyDeferred = true;
  return info;
}
