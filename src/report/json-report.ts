import { encodeJournalValue } from "../core/json-codec";
import type { RunReport } from "./run-report";

/**
 * Renders a run report as JSON (schema in SCHEMA.md). Values that JSON cannot hold are tagged
 * as in the journal: bigint as {"$bigint":"<decimal>"}, bytes as {"$bytes":"0x…"}.
 */
export function renderJsonReport(report: RunReport): string {
  return `${JSON.stringify(encodeJournalValue(report), null, 2)}\n`;
}
