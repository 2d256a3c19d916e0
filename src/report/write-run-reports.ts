import * as path from "node:path";

import { atomicWriteFileSync } from "../core/durable-fs";
import type { RunState } from "../core/run-state";
import { renderJsonReport } from "./json-report";
import { renderMarkdownReport } from "./markdown-report";
import { buildRunReport } from "./run-report";

/** Writes report.json and report.md into a run folder (atomically) and returns their paths. */
export function writeRunReports(
  runDir: string,
  state: RunState,
): { json: string; markdown: string } {
  const report = buildRunReport(state);
  const json = path.join(runDir, "report.json");
  const markdown = path.join(runDir, "report.md");
  atomicWriteFileSync(json, renderJsonReport(report));
  atomicWriteFileSync(markdown, renderMarkdownReport(report));
  return { json, markdown };
}
