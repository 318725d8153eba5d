import { randomBytes } from "node:crypto";
import type pg from "pg";
import { withDatabase } from "../../src/db/connection.js";
import { adminUrl } from "./db.js";

/**
 * A login such as careful users hand Lockstep: pg_read_all_data + pg_read_all_stats and
 * default_transaction_read_only = on. Returns its URL for `database` and a cleanup.
 */
export async function createReadOnlyLogin(owner: pg.ClientBase, database: string): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `lockstep_ro_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE pg_read_all_data, pg_read_all_stats`);
  await owner.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
  const url = new URL(withDatabase(adminUrl(), database));
  url.username = role;
  url.password = password;
  return {
    url: url.toString(),
    drop: async () => {
      await owner.query(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}
