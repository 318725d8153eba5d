import type { BackfillProgress } from "./engine.js";

/** One line for a terminal: bar, percent of the estimate, rows, speed, ETA, batch size, throttle. */
export function progressBar(p: BackfillProgress, width = 24): string {
  const fraction = p.estimated_total ? Math.min(1, p.scanned / p.estimated_total) : 0;
  const filled = Math.round(fraction * width);
  const parts = [
    `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`,
    `${p.rows.toLocaleString("en-US")} rows`,
    `${p.rows_per_s.toLocaleString("en-US")} rows/s`,
    p.eta_s !== null ? `ETA ${formatSeconds(p.eta_s)}` : "",
    `batch ${p.batch_size.toLocaleString("en-US")}`,
    p.pass > 1 ? `pass ${p.pass}` : "",
    p.throttle ? `(${p.throttle})` : "",
  ];
  return parts.filter(Boolean).join("  ");
}

export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}min`;
  return `${(s / 3600).toFixed(1)}h`;
}
