import { z } from "zod";
import { FAIL_ON } from "../src/analyze/fail-on.js";

/** `lockstep check`'s args (loaded on demand: check.ts accepts the common cases without zod). */
export const checkArgs = z.object({
  paths: z.array(z.string()).min(1, "give at least one file, directory or -"),
  db: z.string().optional(),
  target: z.string().optional(),
  schema: z.string().optional(),
  pgVersion: z.coerce.number().int().min(11, "11..18").max(18, "11..18").optional(),
  failOn: z.enum(FAIL_ON).default("error"),
  verifyRollback: z.boolean().default(false),
  changedSince: z.string().min(1).optional(),
  code: z.array(z.string().min(1, "give a directory")).optional(),
});
export type CheckArgs = z.infer<typeof checkArgs>;
