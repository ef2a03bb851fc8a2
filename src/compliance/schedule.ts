/**
 * Schedules for reports and snapshots: "hourly", "daily" (00:00 UTC), "weekly" (Monday
 * 00:00 UTC), "every 6h" (a duration: m, h or d), or a cron-like "M H * * DOW" in UTC where
 * M, H and DOW are "*" or comma lists of numbers (day of month and month must be "*").
 */
import { z } from 'zod';

export type Schedule = { kind: 'every'; ms: number } | { kind: 'cron'; minutes: number[] | null; hours: number[] | null; days: number[] | null };

function list(field: string, name: string, max: number): number[] | null {
  if (field === '*') return null;
  const xs = field.split(',').map((x) => (/^\d{1,2}$/.test(x) ? Number(x) : NaN));
  if (xs.some((x) => !Number.isInteger(x) || x < 0 || x > max)) throw new Error(`${name} must be "*" or numbers 0-${max} separated by commas`);
  return xs;
}

export function parseSchedule(spec: string): Schedule {
  const s = spec.trim();
  if (s === 'hourly') return { kind: 'cron', minutes: [0], hours: null, days: null };
  if (s === 'daily') return { kind: 'cron', minutes: [0], hours: [0], days: null };
  if (s === 'weekly') return { kind: 'cron', minutes: [0], hours: [0], days: [1] };
  const every = /^every\s+(\d+)(m|h|d)$/.exec(s);
  if (every) {
    const ms = Number(every[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[every[2] as 'm'];
    if (ms < 60_000) throw new Error('the shortest interval is 1m');
    return { kind: 'every', ms };
  }
  const f = s.split(/\s+/);
  if (f.length !== 5) throw new Error('expected hourly, daily, weekly, "every 6h" or "M H * * DOW" (UTC)');
  if (f[2] !== '*' || f[3] !== '*') throw new Error('day of month and month must be "*"');
  return { kind: 'cron', minutes: list(f[0]!, 'minute', 59), hours: list(f[1]!, 'hour', 23), days: list(f[4]!, 'day of week', 6) };
}

export const ScheduleSchema = z.string().max(100).superRefine((v, ctx) => {
  try {
    parseSchedule(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** The first run strictly after `from` (ms since epoch). */
export function nextRun(s: Schedule, from: number): number {
  if (s.kind === 'every') return Math.floor(from / s.ms) * s.ms + s.ms;
  let t = Math.floor(from / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 8 * 24 * 60; i++, t += 60_000) {
    const d = new Date(t);
    if ((!s.minutes || s.minutes.includes(d.getUTCMinutes())) && (!s.hours || s.hours.includes(d.getUTCHours())) && (!s.days || s.days.includes(d.getUTCDay()))) return t;
  }
  throw new Error('the schedule never fires');
}

/**
 * Runs `job` at every time the schedule names, until stopped; a failing run is logged and
 * the next one still comes. `claim(slot)` decides whether this instance runs a slot (so
 * instances sharing a database run each slot once); without it every slot runs.
 */
export function startSchedule(spec: string, job: () => Promise<void>, opts: { now?: () => number; onError?: (err: unknown) => void; claim?: (slot: Date) => Promise<boolean> } = {}) {
  const s = parseSchedule(spec);
  const now = opts.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const slot = nextRun(s, now());
    timer = setTimeout(() => {
      running = (async () => {
        if (!opts.claim || (await opts.claim(new Date(slot)))) await job();
      })()
        .catch((err) => opts.onError?.(err))
        .finally(() => {
          running = undefined;
          arm();
        });
    }, Math.max(1000, slot - now()));
    timer.unref();
  };
  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
