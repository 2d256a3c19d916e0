/**
 * What `aegis:layout` prints and writes once a report exists, and the exit code CI reads: the
 * report goes out whole (Markdown, or exactly one JSON document with --json; both files with
 * --out) whatever it found, and the exit code says whether it found a conflict.
 */
import fs from "node:fs";
import path from "node:path";
import { EXIT_CODES, type ExitCode } from "../../core/exit-codes";
import type { LayoutReport } from "./layout-report";
import { renderLayoutMarkdown } from "./layout-markdown";

/** How the report is to be given out. */
export interface LayoutOutputOptions {
  /** Print the JSON report instead of Markdown. */
  json: boolean;
  /** Write `<out>.md` and `<out>.json` as well. */
  out?: string;
}

/** The text for stdout (one document) and the exit code of a produced report. */
export interface LayoutOutput {
  stdout: string;
  exitCode: ExitCode;
}

/** Writes the --out files and returns what to print: 0 compatible, 1 conflicts found. */
export function emitLayoutReport(report: LayoutReport, options: LayoutOutputOptions): LayoutOutput {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = `${renderLayoutMarkdown(report)}\n`;
  if (options.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(`${options.out}.json`, json);
    fs.writeFileSync(`${options.out}.md`, markdown);
  }
  return {
    stdout: options.json ? json : markdown,
    exitCode: report.pass ? EXIT_CODES.done : EXIT_CODES.failed,
  };
}
