import type pg from "pg";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config.js";
import type { FirstDelivery } from "./dedupe.js";
import type { GroupDirectory } from "../approval/policy.js";
import type { Analyzer } from "./run-check.js";
import type { WorkQueue } from "./work-queue.js";

/** What the Slack flows need; built once by `lockstep serve` (tests build their own). */
export interface BotDeps {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  /** base for a relative migrations dir when the config came from no file */
  cwd: string;
  /** the state database */
  pool: pg.Pool;
  analyze: Analyzer;
  log: Logger;
  /** user-group membership; Slack's usergroups API by default */
  groups: GroupDirectory;
  /** the bot token, for downloading shared files */
  botToken: string;
  /** where listeners put the work that follows their ack */
  work: WorkQueue;
  /** after the ack, before the work: false for a retry or a request another replica took */
  firstDelivery: FirstDelivery;
}
