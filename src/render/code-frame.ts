/** A one-line code frame with a caret under `column` (1-based, characters). Pure. */
export function codeFrame(lines: string[] | undefined, line: number, column: number, maxWidth = 160): string[] {
  const text = lines?.[line - 1];
  if (text === undefined) return [];
  const chars = [...text.replace(/\r$/, "").replace(/\t/g, " ")];
  // keep the caret visible on long lines
  const start = column > maxWidth - 20 ? column - 40 : 0;
  const prefix = start > 0 ? "…" : "";
  const suffix = chars.length > start + maxWidth ? "…" : "";
  const gutter = String(line).length;
  return [
    `${line} | ${prefix}${chars.slice(start, start + maxWidth).join("")}${suffix}`,
    `${" ".repeat(gutter)} | ${" ".repeat(prefix.length + column - 1 - start)}^`,
  ];
}
