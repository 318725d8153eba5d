/**
 * A statement's command in kebab-case from its parse node, for trace reports (check's describe.ts
 * is the analyzer's authority; trace only needs a readable label).
 */
const NODE_KINDS: Record<string, string> = {
  CreateStmt: "create-table",
  IndexStmt: "create-index",
  ViewStmt: "create-view",
  CreateTrigStmt: "create-trigger",
  CreatePolicyStmt: "create-policy",
  CreateSeqStmt: "create-sequence",
  CreateEnumStmt: "create-type",
  CreateDomainStmt: "create-domain",
  CreateFunctionStmt: "create-function",
  CreateSchemaStmt: "create-schema",
  CreateExtensionStmt: "create-extension",
  AlterEnumStmt: "alter-type",
  AlterSeqStmt: "alter-sequence",
  AlterDomainStmt: "alter-domain",
  RefreshMatViewStmt: "refresh-materialized-view",
  InsertStmt: "insert",
  UpdateStmt: "update",
  DeleteStmt: "delete",
  SelectStmt: "select",
  VariableSetStmt: "set",
  GrantStmt: "grant",
  CommentStmt: "comment",
  TruncateStmt: "truncate",
  ClusterStmt: "cluster",
  ReindexStmt: "reindex",
  DoStmt: "do",
};

const OBJECT_KINDS: Record<string, string> = {
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_VIEW: "view",
  OBJECT_MATVIEW: "materialized-view",
  OBJECT_SEQUENCE: "sequence",
  OBJECT_TYPE: "type",
  OBJECT_DOMAIN: "domain",
  OBJECT_TRIGGER: "trigger",
  OBJECT_POLICY: "policy",
  OBJECT_SCHEMA: "schema",
  OBJECT_FUNCTION: "function",
  OBJECT_COLUMN: "table",
  OBJECT_TABCONSTRAINT: "table",
  OBJECT_FOREIGN_TABLE: "foreign-table",
};

export function statementKind(node: string, tree: Record<string, unknown>): string {
  const body = (tree[node] ?? {}) as Record<string, unknown>;
  const object = (key: string) => OBJECT_KINDS[String(body[key])] ?? "object";
  switch (node) {
    case "AlterTableStmt":
      return `alter-${object("objtype")}`;
    case "DropStmt":
      return `drop-${object("removeType")}`;
    case "RenameStmt":
      return `alter-${object("renameType")}`;
    case "CreateTableAsStmt":
      return body.objtype === "OBJECT_MATVIEW" ? "create-materialized-view" : "create-table-as";
    case "VacuumStmt":
      return body.is_vacuumcmd ? "vacuum" : "analyze";
    case "TransactionStmt":
      return String(body.kind ?? "").replace(/^TRANS_STMT_/, "").toLowerCase().replace(/_/g, "-") || "transaction";
    case "GrantStmt":
      return body.is_grant ? "grant" : "revoke";
  }
  return NODE_KINDS[node] ?? node.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}
