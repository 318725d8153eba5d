import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { runCheck } from "../../src/slack/run-check.js";
import { adminUrl } from "../helpers/db.js";
import { fixtureDb, tempDir } from "./helpers.js";

it("the bot's analyzer verifies rollbacks and the down file when asked (verifyRollback)", async () => {
  const db = await fixtureDb("bot");
  process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
  const dir = tempDir();
  const up = path.join(dir, "0001_bio.up.sql");
  writeFileSync(up, "ALTER TABLE users ADD COLUMN bio text;\n");
  writeFileSync(path.join(dir, "0001_bio.down.sql"), "ALTER TABLE users DROP COLUMN bio;\n");
  const bytes = Buffer.from("ALTER TABLE users ADD COLUMN bio text;\n");
  const plain = await runCheck({ files: [{ path: "0001_bio.up.sql", bytes, layout: "golang-migrate", abs: up }], schemaUrl: db.url });
  expect(plain.files[0]!.rollback).toEqual([expect.objectContaining({ verified: null })]);
  const verified = await runCheck({ files: [{ path: "0001_bio.up.sql", bytes, layout: "golang-migrate", abs: up }], schemaUrl: db.url, verifyRollback: true });
  expect(verified.files[0]!.rollback).toEqual([expect.objectContaining({ recoverability: "clean", verified: true })]);
  expect(verified.files[0]!.down).toMatchObject({ verified: true });
});
