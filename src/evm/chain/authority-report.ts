/**
 * What `aegis:verify-admin` shows: the authority chain as an indented tree a person can check
 * against the protocol's governance documents, and for each sending step of the checklist how
 * the configured signer gets it done (or why it cannot). The JSON form is the same data.
 */
import type { AuthorityHolder } from "./authority-holder";
import {
  describeRoute,
  stepAuthorities,
  type AuthorityChain,
  type AuthorityRight,
  type StepAuthority,
} from "./authority-chain";

/** The verify-admin result: the chain, the signer and each step's route. */
export interface AuthorityReport {
  chain: AuthorityChain;
  signer: string;
  steps: StepAuthority[];
}

/** Builds the report of `chain` for `signer`. */
export function authorityReport(chain: AuthorityChain, signer: string): AuthorityReport {
  return { chain, signer, steps: stepAuthorities(chain, signer) };
}

/** The report as lines for a terminal. */
export function formatAuthorityReport(report: AuthorityReport): string[] {
  const { chain } = report;
  const lines = [
    `proxy ${chain.proxy} (${chain.proxyKind}) at block ${chain.block}, implementation ${chain.implementation}`,
  ];
  if (chain.proxyAdmin !== undefined) lines.push(`  ProxyAdmin ${chain.proxyAdmin}`);
  lines.push(...rightLines("upgrade", chain.upgrade));
  if (chain.pause !== undefined) lines.push(...rightLines("pause", chain.pause));
  if (chain.unpause !== undefined) lines.push(...rightLines("unpause", chain.unpause));
  lines.push(`steps, for signer ${report.signer}:`);
  for (const step of report.steps) {
    const mark = step.route.kind === "none" ? "✖" : "✔";
    lines.push(`  ${mark} ${step.step.padEnd(22)} ${describeRoute(step.route)}`);
  }
  return lines;
}

function rightLines(name: string, right: AuthorityRight): string[] {
  const { guard } = right;
  const head =
    guard.kind === "anyone"
      ? "anyone"
      : guard.kind === "owner"
        ? `owner() of ${guard.contract}`
        : guard.kind === "role"
          ? `role ${guard.role} on ${guard.contract}`
          : `unknown: ${guard.reason}`;
  return [`  ${name}: ${head}`, ...right.holders.flatMap((holder) => holderLines(holder, "    "))];
}

function holderLines(holder: AuthorityHolder, indent: string): string[] {
  switch (holder.kind) {
    case "eoa":
      return [`${indent}account ${holder.address} (a key)`];
    case "contract":
      return [`${indent}contract ${holder.address} (neither a Safe nor a TimelockController)`];
    case "safe":
      return [
        `${indent}Safe ${holder.address} v${holder.version}${holder.knownVersion ? "" : " (UNKNOWN VERSION)"}: ${holder.threshold} of ${holder.owners.length}, nonce ${holder.nonce}`,
        ...holder.owners.map((owner) => `${indent}  owner ${owner}`),
      ];
    case "timelock": {
      const group = (label: string, members: AuthorityHolder[] | "anyone") =>
        members === "anyone"
          ? [`${indent}  ${label}: anyone (open role)`]
          : members.length === 0
            ? [`${indent}  ${label}: none`]
            : [
                `${indent}  ${label}:`,
                ...members.flatMap((member) => holderLines(member, `${indent}    `)),
              ];
      return [
        `${indent}TimelockController ${holder.address}: min delay ${holder.minDelay} s`,
        ...group("proposers", holder.proposers),
        ...group("executors", holder.executors),
        ...group("cancellers", holder.cancellers),
      ];
    }
  }
}
