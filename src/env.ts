/**
 * An environment variable set to the empty string counts as unset, everywhere: `FOO= lockstep ...`
 * and `env: { FOO: "" }` in a container spec mean "not configured", never "connect to ''".
 * The CLI and the bot read their environment through this once, at the edge.
 */
export function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

/** The same, in place: for process.env itself, which child processes and worker threads inherit. */
export function dropEmptyVariables(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env)) if (v === "") delete env[k];
}
