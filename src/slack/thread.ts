import type { webApi } from "@slack/bolt";
import type { Message } from "./blocks/types.js";

type WebClient = webApi.WebClient;

/** Where a check's conversation lives: its report message and the thread under it. */
export interface ThreadRef {
  channel: string;
  /** the report message's ts (= the thread's thread_ts) */
  threadTs: string;
}

/** Post into a check's thread (apply and backfill progress use this). Returns the new message's ts. */
export async function postInThread(client: WebClient, thread: ThreadRef, message: Message): Promise<string> {
  const res = await client.chat.postMessage({ channel: thread.channel, thread_ts: thread.threadTs, text: message.text, blocks: message.blocks });
  return res.ts ?? "";
}

/** Update a message posted with postInThread (progress updated in place). */
export async function updateInThread(client: WebClient, thread: ThreadRef, ts: string, message: Message): Promise<void> {
  await client.chat.update({ channel: thread.channel, ts, text: message.text, blocks: message.blocks });
}

/** Upload a file into the thread (files.getUploadURLExternal -> upload -> files.completeUploadExternal). */
export async function uploadToThread(client: WebClient, thread: ThreadRef, file: { filename: string; title: string; content: string }): Promise<void> {
  await client.filesUploadV2({
    channel_id: thread.channel,
    thread_ts: thread.threadTs,
    filename: file.filename,
    title: file.title,
    file: Buffer.from(file.content, "utf8"),
  });
}
