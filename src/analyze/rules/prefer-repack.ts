import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-repack",
  severity: "error",
  summary: "VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE for the whole run",
  docs: {
    bad: "VACUUM FULL users;",
    good: "VACUUM (ANALYZE) users;",
    why: "Reads and writes wait until the table and every index have been rewritten. pg_repack (or pg_squeeze) does the same online, holding the strong lock only for a moment at the end.",
  },
  appliesTo: { kinds: ["vacuum", "cluster"] },
  check(ctx) {
    const { statement } = ctx;
    const full = statement.kind === "vacuum" && statement.vacuum?.full;
    if (!full && statement.kind !== "cluster") return [];
    const tables = statement.objects.length ? statement.objects.filter((t) => isExisting(ctx, t)) : ["every table"];
    if (tables.length === 0) return [];
    return [
      {
        message: `${full ? "VACUUM FULL" : "CLUSTER"} rewrites ${tables.join(", ")} under ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite`,
        fix: `-- outside migrations: pg_repack --table ${tables[0]}${statement.kind === "cluster" ? " --order-by <index columns>" : ""}  (online; brief lock at the end)\n-- or plain VACUUM, which does not block`,
      },
    ];
  },
});
