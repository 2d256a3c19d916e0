/**
 * What `api:diff` does, as a plain function: the breaking changes between two OpenAPI
 * documents, each checked against the spec when one is given (whose translations must read
 * fields the documents have). Any finding left untranslated makes it fail (AEGIS-E521).
 */
import { UntranslatedBreakingChangeError } from "./errors";
import { loadMigrationSpec } from "./load-migration-spec";
import { loadOpenApi } from "./openapi-document";
import {
  checkFindings,
  checkTranslationFields,
  diffOpenApi,
  type CheckedFinding,
} from "./openapi-diff";

/** The command's arguments: two documents and, optionally, the spec. */
export interface DiffCommandArgs {
  from: string;
  to: string;
  spec?: string;
}

/** The findings, each with its verdict. */
export interface DiffReport {
  from: string;
  to: string;
  spec?: string;
  findings: CheckedFinding[];
  untranslated: number;
}

/** Compares the documents; returns the report (throws nothing for findings). */
export function diffApiDocuments(args: DiffCommandArgs): DiffReport {
  const before = loadOpenApi(args.from);
  const after = loadOpenApi(args.to);
  const raw = diffOpenApi(before, after);
  let findings: CheckedFinding[] = raw.map((finding) => ({ ...finding, translated: false }));
  if (args.spec !== undefined) {
    const loaded = loadMigrationSpec(args.spec);
    checkTranslationFields(loaded.chain, before, after, { before: args.from, after: args.to });
    findings = checkFindings(raw, loaded.spec, loaded.chain);
  }
  return {
    from: args.from,
    to: args.to,
    ...(args.spec === undefined ? {} : { spec: args.spec }),
    findings,
    untranslated: findings.filter((finding) => !finding.translated).length,
  };
}

/** The report as lines for people. */
export function formatDiffReport(report: DiffReport): string[] {
  const lines = [
    `API diff ${report.from} -> ${report.to}: ${report.findings.length} breaking change(s)`,
  ];
  for (const finding of report.findings) {
    const mark = finding.translated ? "✔" : "✖";
    const verdict = finding.translated
      ? `translated by ${finding.by}`
      : report.spec === undefined
        ? "breaking"
        : "UNTRANSLATED";
    lines.push(
      `  ${mark} ${finding.kind.padEnd(17)} ${finding.endpoint} ${finding.where}: ${finding.detail}  (${verdict})`,
    );
  }
  return lines;
}

/** The error to raise for a report with untranslated findings, if any. */
export function untranslatedError(report: DiffReport): UntranslatedBreakingChangeError | undefined {
  const first = report.findings.find((finding) => !finding.translated);
  return first === undefined
    ? undefined
    : new UntranslatedBreakingChangeError(
        report.untranslated,
        `${first.kind} ${first.endpoint} ${first.where}${first.field ? ` ${first.field}` : ""}`,
      );
}
