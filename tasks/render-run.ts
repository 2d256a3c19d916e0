import type { EngineEvent } from "../src/core/engine-events";
import { formatDuration, formatValue } from "../src/report/markdown-report";
import { formatEventJsonLine } from "../src/report/event-json-lines";
import { redactString } from "../src/core/redaction";

const MARK = { go: "✔", warn: "!", stop: "✖" } as const;

/** The figures worth a terminal line: a few, each short; before/after pairs as "a -> b". */
function summarize(figures: Record<string, unknown>): string {
  return Object.entries(figures)
    .slice(0, 4)
    .map(([name, value]) => {
      const pair = value as { before?: unknown; after?: unknown } | null;
      if (pair && typeof pair === "object" && "before" in pair && "after" in pair) {
        return `${name} ${formatValue(pair.before, 24)} -> ${formatValue(pair.after, 24)}`;
      }
      return `${name} ${formatValue(value, 44)}`;
    })
    .join("; ");
}

function shortStep(step: string): string {
  return step.slice(step.indexOf("#") + 1).padEnd(22);
}

/**
 * Renders engine events for a person at a terminal: one line per step with its verdict, the
 * figures that matter and its time; rollbacks and waits as they happen. With --json, every
 * event is one JSON line instead (redacted as the journal is); a terminal line passes the URL
 * rule too, since an error's message may quote a URL.
 */
export function createRunRenderer(json: boolean, print: (line: string) => void) {
  const write = (line: string) => print(redactString(line));
  // A step's time on the terminal is from its start to its verdict, run and checkpoint together.
  const startedAt = new Map<string, number>();
  const lastWaiting = new Map<string, string>();
  const elapsed = (step: string, at: string) =>
    formatDuration(Date.parse(at) - (startedAt.get(step) ?? Date.parse(at)));
  return (event: EngineEvent): void => {
    if (json) {
      write(formatEventJsonLine(event).trimEnd());
      return;
    }
    switch (event.type) {
      case "run.started":
        write(`run ${event.runId}${event.dryRun ? " (dry run: nothing is sent)" : ""}`);
        break;
      case "step.started":
        startedAt.set(event.step, Date.parse(event.at));
        break;
      case "step.verified":
        write(
          `  ${MARK[event.verdict]} ${shortStep(event.step)} ${event.message ?? summarize(event.figures)}  ${elapsed(event.step, event.at)}`,
        );
        break;
      case "step.skipped":
        if (event.reason === "dry-run")
          write(`  ○ ${shortStep(event.step)} would ${event.description ?? "run"}`);
        break;
      case "step.failed":
        write(`  ✖ ${shortStep(event.step)} ${event.error.code} ${event.error.message}`);
        break;
      case "step.waiting":
        // A watched wait is checked every second or so: say it again only when it changes.
        if (lastWaiting.get(event.step) !== event.awaiting.reason) {
          lastWaiting.set(event.step, event.awaiting.reason);
          write(`  … ${shortStep(event.step)} waiting: ${event.awaiting.reason}`);
        }
        break;
      case "effect.reconciled":
        write(`    reconciled ${event.key}: ${event.result}`);
        break;
      case "rollback.started": {
        const short = (id: string) => id.slice(id.indexOf("#") + 1);
        const undo = event.undo.map(short).join(", ");
        const kept =
          event.irreversible.length === 0
            ? ""
            : `; ${event.irreversible.map(short).join(", ")} cannot be undone`;
        write(`  ↺ rolling back ${event.undo.length} step(s) (${event.reason}): ${undo}${kept}`);
        break;
      }
      case "run.interrupted":
        write(
          `  ■ interrupted (${event.reason})${event.mode === "rollback" ? " during the rollback" : ""}${event.step === undefined ? "" : ` before ${event.step.slice(event.step.indexOf("#") + 1)}`}`,
        );
        break;
      case "rollback.step-completed":
        write(`  ↺ ${shortStep(event.step)} undone  ${formatDuration(event.durationMs)}`);
        break;
      case "rollback.failed":
        write(
          `  ✖ ${shortStep(event.step)} rollback failed: ${event.error.code} ${event.error.message}`,
        );
        break;
      case "journal.tail-repaired":
        write(`  journal: a torn last line (${event.bytes} bytes) from a crash was removed`);
        break;
      case "lock.taken-over":
        write(`  lock of ${event.targetKey} taken over (${event.reason})`);
        break;
      default:
        break;
    }
  };
}
