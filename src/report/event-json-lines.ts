import type { EngineEvent } from "../core/engine-events";
import { stringifyJournalValue } from "../core/json-codec";
import { redactSecrets } from "../core/redaction";

/**
 * Formats an engine event as one JSON line (for `--json` output): bigints and bytes tagged as
 * in the journal, secrets redacted as in the journal, newline-terminated.
 */
export function formatEventJsonLine(event: EngineEvent): string {
  return `${stringifyJournalValue(redactSecrets(event).value)}\n`;
}
