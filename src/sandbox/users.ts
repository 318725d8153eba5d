/** The people in the sandbox channel: whom the page can act as, and how mentions show them. */
export interface SandboxUser {
  id: string;
  name: string;
  role: string;
}

export const SANDBOX_USERS: SandboxUser[] = [
  { id: "UREQUESTER", name: "riley", role: "requester" },
  { id: "UAPPROVER1", name: "alex", role: "approver (DBA)" },
  { id: "UAPPROVER2", name: "sam", role: "approver (team lead)" },
  { id: "UOUTSIDER", name: "oscar", role: "not an approver" },
];

export const BOT_USER: SandboxUser = { id: "UBOT", name: "lockstep", role: "app" };

export const APPROVERS = SANDBOX_USERS.filter((u) => u.role.startsWith("approver")).map((u) => u.id);

export function userById(id: string): SandboxUser | undefined {
  return id === BOT_USER.id ? BOT_USER : SANDBOX_USERS.find((u) => u.id === id);
}

export const names = { userName: (id: string) => userById(id)?.name ?? id };
