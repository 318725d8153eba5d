/** ANSI colours for text output, only when writing to a terminal (and NO_COLOR is not set). */
export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

export function paint(enabled: boolean): Paint {
  if (!enabled) return { red: plain, yellow: plain, cyan: plain, green: plain, bold: plain, dim: plain };
  return { red: code(31, 39), yellow: code(33, 39), cyan: code(36, 39), green: code(32, 39), bold: code(1, 22), dim: code(2, 22) };
}

/** https://no-color.org; FORCE_COLOR overrides the TTY check (CI logs that render ANSI). */
export function wantsColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return isTTY === true;
}
