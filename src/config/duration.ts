import { z } from 'zod';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "90", "90s", "15m", "12h" or "7d" into seconds; undefined when it is not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
}

/** A duration given as seconds (number) or as a string such as "7d"; normalised to seconds. */
export const durationSeconds = z.union([z.number(), z.string()]).transform((value, ctx): number => {
  const seconds = typeof value === 'number' ? value : parseDurationSeconds(value);
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a positive duration: seconds, or a string such as "90s", "15m", "12h", "7d"',
    });
    return z.NEVER;
  }
  return seconds;
});
