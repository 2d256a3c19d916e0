import { RehearsalMissingError } from "../errors";
import { findPassingReceipt, receiptsDirOf } from "./rehearsal-receipt";

/** What decides whether a live upgrade may go on without (or with) a rehearsal. */
export interface RehearsalGateInput {
  network: string;
  /** Networks that need no rehearsal (a local node, the in-process chain). */
  developmentNetworks: readonly string[];
  deploymentsDir: string;
  /** The plan about to run: only a receipt of this exact plan hash counts. */
  planHash: string;
  /** --without-rehearsal: go on without a receipt, loudly. */
  withoutRehearsal: boolean;
  /** Where the loud warning goes. */
  warn(line: string): void;
}

/**
 * A network that is not a development network is upgraded only with a passing rehearsal of the
 * same plan hash (AEGIS-E330 otherwise); `--without-rehearsal` overrides it, warns, and the
 * returned line (shown among the preflight's figures and in the report) says so.
 */
export function checkRehearsalGate(gate: RehearsalGateInput): string {
  if (gate.developmentNetworks.includes(gate.network)) return "not required (development network)";
  const dir = receiptsDirOf(gate.deploymentsDir, gate.network);
  const found = findPassingReceipt(dir, gate.planHash);
  if (found)
    return `passed on the ${found.receipt.engine} fork at block ${found.receipt.forkBlock} (${found.file})`;
  if (!gate.withoutRehearsal) throw new RehearsalMissingError(gate.network, gate.planHash, dir);
  gate.warn(
    `WARNING: upgrading ${gate.network} WITHOUT a passing rehearsal of plan ${gate.planHash.slice(0, 12)}… (--without-rehearsal); the report records it.`,
  );
  return "OVERRIDDEN: no passing rehearsal (--without-rehearsal)";
}
