import { UserError } from "../errors.js";

/** A daily window "HH:MM-HH:MM" in the Lockstep process's local time; may wrap midnight. */
export interface Window {
  text: string;
  start: number; // minutes since midnight
  end: number;
}

export function parseWindows(texts: string[]): Window[] {
  return texts.map((text) => {
    const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim());
    const minutes = m ? [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])] : [];
    if (!m || minutes.some((x) => x > 24 * 60) || Number(m[2]) > 59 || Number(m[4]) > 59) {
      throw new UserError("config-invalid", `backfill window "${text}" is not HH:MM-HH:MM (e.g. 01:00-05:00)`);
    }
    return { text, start: minutes[0]!, end: minutes[1]! };
  });
}

function minuteOfDay(d: Date): number {
  return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60;
}

function inside(w: Window, minute: number): boolean {
  return w.start <= w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
}

/** null when running is allowed now (no windows, or inside one); else when the next window opens. */
export function nextWindowOpening(windows: Window[], now: Date): { opensAt: Date; window: Window } | null {
  if (windows.length === 0) return null;
  const minute = minuteOfDay(now);
  if (windows.some((w) => inside(w, minute))) return null;
  let best: { opensAt: Date; window: Window } | null = null;
  for (const w of windows) {
    const opens = new Date(now);
    opens.setHours(Math.floor(w.start / 60), w.start % 60, 0, 0);
    if (opens <= now) opens.setDate(opens.getDate() + 1);
    if (!best || opens < best.opensAt) best = { opensAt: opens, window: w };
  }
  return best;
}
