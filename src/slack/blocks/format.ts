import type { Risk, StatementLock } from "../../analyze/types.js";

export const RISK_WORD: Record<Risk, string> = {
  low: ":large_green_circle: low",
  medium: ":large_yellow_circle: medium",
  high: ":large_orange_circle: high",
  critical: ":red_circle: critical",
};

/** `ShareLock on public.users` */
export function lockLine(lock: StatementLock): string {
  return `${lock.mode} on ${lock.relation}`;
}

export function formatSeconds(s: number): string {
  if (s < 1) return "< 1 s";
  if (s < 120) return `~${Math.round(s)} s`;
  if (s < 7200) return `~${Math.round(s / 60)} min`;
  return `~${(s / 3600).toFixed(1)} h`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatEstimate(e: { rows?: number; bytes?: number; seconds?: number } | undefined): string | undefined {
  if (!e) return undefined;
  const parts: string[] = [];
  if (e.seconds !== undefined) parts.push(formatSeconds(e.seconds));
  if (e.rows !== undefined) parts.push(`${formatCount(e.rows)} rows`);
  if (e.bytes !== undefined) parts.push(formatBytes(e.bytes));
  return parts.length ? parts.join(", ") : undefined;
}

export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
