import { InvalidDurationError } from "./errors";

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses "90s", "10m", "1h", "500ms" or a number of seconds into milliseconds (AEGIS-E157). */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new InvalidDurationError(option, text);
  return Math.round(Number(match[1]) * (UNITS_MS[match[2] ?? "s"] as number));
}
