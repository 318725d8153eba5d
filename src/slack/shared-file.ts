import type { webApi } from "@slack/bolt";
import { UserError } from "../errors.js";

const MAX_BYTES = 1024 * 1024;

/** A Slack file link (https://team.slack.com/files/U.../F.../name.sql) or a bare file id -> the file id. */
export function fileIdFromLink(text: string): string | undefined {
  const t = text.trim();
  return /^https:\/\/[^\s]+\/files\/[A-Z0-9]+\/(F[A-Z0-9]+)(?:\/\S*)?$/.exec(t)?.[1] ?? /^(F[A-Z0-9]{6,})$/.exec(t)?.[1];
}

/**
 * Download a .sql file from Slack: files.info for its private URL, then fetch it with the bot
 * token. `sharedIn`: the file must have been shared in that channel (a linked file).
 */
export async function downloadSqlFile(
  client: webApi.WebClient,
  botToken: string,
  fileId: string,
  opts: { sharedIn?: string } = {},
): Promise<{ name: string; sql: string }> {
  const info = await client.files.info({ file: fileId }).catch((e: unknown) => {
    // a file id that does not exist or the bot cannot see (file_not_found, file_deleted, ...)
    const code = (e as { data?: { error?: string } }).data?.error;
    if (code) throw new UserError("file-unavailable", `that file is not available to Lockstep (Slack said ${code}); attach it again or share it in this channel`);
    throw e;
  });
  const file = info.file;
  const name = file?.name ?? "";
  if (!file || !/\.sql$/i.test(name)) throw new UserError("not-sql", "the attached file must be a .sql file");
  if (opts.sharedIn) {
    const places = [...(file.channels ?? []), ...(file.groups ?? []), ...(file.ims ?? [])];
    if (!places.includes(opts.sharedIn)) throw new UserError("not-shared-here", `${name} was not shared in this channel`);
  }
  if ((file.size ?? 0) > MAX_BYTES) throw new UserError("too-large", `the attached file is larger than ${MAX_BYTES / 1024} kB`);
  const url = file.url_private_download ?? file.url_private;
  if (!url) throw new UserError("file-unavailable", "Slack did not give a download URL for the file");
  const res = await fetch(url, { headers: { Authorization: `Bearer ${botToken}` }, redirect: "error" });
  if (!res.ok) throw new UserError("file-unavailable", `could not download ${name} (HTTP ${res.status})`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_BYTES) throw new UserError("too-large", `the attached file is larger than ${MAX_BYTES / 1024} kB`);
  let sql: string;
  try {
    sql = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError("invalid-utf8", `${name} is not UTF-8 text: it looks like a binary file, not SQL`);
  }
  return { name, sql };
}
