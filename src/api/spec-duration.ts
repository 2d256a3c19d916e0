const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The duration pattern a spec accepts: a number and a unit (ms, s, m, h, d, w). */
export const SPEC_DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * Milliseconds of a spec duration ("90d", "1h", "250ms"). A spec speaks in days and weeks (a
 * compatibility layer lasts months), which the core's parseDuration does not, so the API side
 * keeps its own; the schema has already checked the pattern.
 */
export function specDurationMs(text: string): number {
  const match = SPEC_DURATION_PATTERN.exec(text.trim());
  if (match === null) return Number.NaN;
  return Math.round(Number(match[1]) * (UNITS_MS[match[2] as string] as number));
}
