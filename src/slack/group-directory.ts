import type { webApi } from "@slack/bolt";
import type { GroupDirectory } from "../approval/policy.js";

type WebClient = webApi.WebClient;

const TTL_MS = 60_000;

/** User-group membership via usergroups.list (handle -> id) and usergroups.users.list, cached briefly. */
export function slackGroupDirectory(client: WebClient): GroupDirectory {
  const cache = new Map<string, { at: number; members: string[] }>();
  let handles: { at: number; ids: Map<string, string> } | undefined;

  async function groupId(group: string): Promise<string | undefined> {
    if (/^S[A-Z0-9]+$/.test(group)) return group;
    if (!handles || Date.now() - handles.at > TTL_MS) {
      const res = await client.usergroups.list({ include_disabled: false });
      handles = { at: Date.now(), ids: new Map((res.usergroups ?? []).map((g) => [g.handle ?? "", g.id ?? ""])) };
    }
    return handles.ids.get(group.replace(/^@/, ""));
  }

  return {
    async members(group) {
      const hit = cache.get(group);
      if (hit && Date.now() - hit.at < TTL_MS) return hit.members;
      const id = await groupId(group);
      const members = id ? ((await client.usergroups.users.list({ usergroup: id })).users ?? []) : [];
      cache.set(group, { at: Date.now(), members });
      return members;
    },
  };
}
