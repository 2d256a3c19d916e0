/** Renders a storage-layout report as Markdown for auditors. */
import type { LayoutReport, ReportItem, TargetReport } from "./layout-report";

const cell = (text: string | number | undefined) =>
  text === undefined ? "" : String(text).replace(/\|/g, "\\|");

function itemCells(item: ReportItem | undefined): string[] {
  if (item === undefined) return ["", "", "", "", "", "", ""];
  return [
    cell(item.contract),
    `\`${cell(item.label)}\``,
    cell(item.type),
    cell(item.slot),
    cell(item.offset),
    cell(item.bytes),
    cell(item.namespace ?? ""),
  ];
}

function renderTarget(target: TargetReport): string {
  const lines: string[] = [];
  // A target named by its proxy address is not followed by the same address again.
  const proxy =
    target.proxy && target.proxy.toLowerCase() !== target.name.toLowerCase()
      ? ` (${target.proxy})`
      : "";
  lines.push(`## ${target.name}${proxy}`);
  lines.push("");
  lines.push(`- verdict: **${target.pass ? "compatible" : "CONFLICT"}**`);
  lines.push(
    `- current: ${target.current.contract} (layout from ${target.current.layoutSource}, ${target.current.layoutHash.slice(0, 12)}…)`,
  );
  lines.push(`- new: ${target.updated.contract} (${target.updated.layoutHash.slice(0, 12)}…)`);
  lines.push(`- OpenZeppelin validateUpgrade: ${target.openZeppelinPass ? "pass" : "fail"}`);
  lines.push(
    target.liveCheck
      ? `- live chain: bytes under every added item read at block ${target.liveCheck.block} (${target.liveCheck.slotsRead} slots)`
      : "- live chain: not checked (no proxy given)",
  );
  for (const caveat of target.caveats ?? []) lines.push(`- caveat: ${caveat}`);
  lines.push("");
  if (target.findings.length > 0) {
    lines.push("### Findings", "", "| code | severity | finding | hint |", "|---|---|---|---|");
    for (const finding of target.findings) {
      lines.push(
        `| ${finding.code} | ${finding.severity} | ${cell(finding.message)} | ${cell(finding.hint)} |`,
      );
    }
    lines.push("");
  }
  lines.push("### Storage items", "");
  lines.push(
    "| verdict | contract | variable | type | slot | offset | bytes | namespace | new contract | new variable | new type | new slot | new offset | new bytes | new namespace | note |",
  );
  lines.push(`|${"---|".repeat(16)}`);
  for (const row of target.rows) {
    lines.push(
      `| ${row.verdict} | ${[...itemCells(row.current), ...itemCells(row.updated)].join(" | ")} | ${cell(row.note ?? "")} |`,
    );
  }
  lines.push("");
  if (target.rawStorage !== null && target.rawStorage.length > 0) {
    lines.push("### Raw storage access (new version)", "");
    lines.push("| verdict | contract | operations | slot | named by | where |");
    lines.push("|---|---|---|---|---|---|");
    for (const access of target.rawStorage) {
      lines.push(
        `| ${access.verdict} | ${cell(access.contract)} | ${cell(access.operations.join(", "))} | \`${access.slot}\` | ${cell(access.constant ?? access.reason ?? "literal")} | ${cell(access.locations.join(", "))} |`,
      );
    }
    lines.push("");
  }
  if (target.namespaces.length > 0) {
    lines.push("### ERC-7201 namespaces", "");
    lines.push("| namespace | base slot (formula) | current | new | slot constant in source |");
    lines.push("|---|---|---|---|---|");
    for (const ns of target.namespaces) {
      lines.push(
        `| ${ns.namespace} | \`${ns.baseSlot}\` | ${ns.inCurrent ? "yes" : "no"} | ${ns.inUpdated ? "yes" : "no"} | ${ns.slotConstant}${ns.constants.length ? ` (${cell(ns.constants.join(", "))})` : ""} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The whole report as Markdown. */
export function renderLayoutMarkdown(report: LayoutReport): string {
  return [
    `# Storage layout report`,
    "",
    `Schema ${report.schema}. Overall: **${report.pass ? "compatible" : "CONFLICT"}**.`,
    "",
    ...report.targets.map(renderTarget),
  ].join("\n");
}
