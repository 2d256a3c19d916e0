/**
 * `aegis:verify-admin`: the proxy's authority chain and who can perform each step of the
 * checklist, without a plan and without sending anything. A proxy named by a deployment record
 * uses that record's preset for the pause and unpause calls; a bare address is checked with the
 * common `pause()` and `unpause()`.
 */
import { ethers, type Provider } from "ethers";
import { InvalidAddressError } from "../errors";
import { resolveAuthorityChain, type AuthorityCalls } from "../chain/authority-chain";
import { authorityReport, type AuthorityReport } from "../chain/authority-report";
import type { DeploymentRecord } from "../chain/deployment-record";
import type { UpgradePreset } from "./upgrade-preset";
import { resolveRecord } from "./upgrade-inputs";

const pausable = new ethers.Interface(["function pause()", "function unpause()"]);

/** What verify-admin needs from its runtime. */
export interface VerifyAdminDeps {
  provider: Provider;
  deploymentsDir: string;
  networkName: string;
  signerAddress: string;
  loadPreset(record: DeploymentRecord): Promise<UpgradePreset<unknown>>;
}

/** Resolves the chain of `proxy` (a record name or an address) for the signer. */
export async function verifyAdmin(proxy: string, deps: VerifyAdminDeps): Promise<AuthorityReport> {
  let address = proxy;
  let calls: AuthorityCalls = {
    pauseData: pausable.encodeFunctionData("pause"),
    unpauseData: pausable.encodeFunctionData("unpause"),
  };
  if (proxy.startsWith("0x") && !ethers.isAddress(proxy)) {
    throw new InvalidAddressError("--proxy", proxy);
  }
  const record = recordOf(proxy, deps);
  if (record !== undefined) {
    address = record.proxy;
    const preset = await deps.loadPreset(record);
    // A protocol upgraded live has no pause to resolve.
    calls =
      preset.pauses === false
        ? {}
        : { pauseData: preset.pauseData, unpauseData: preset.unpauseData };
  }
  const chain = await resolveAuthorityChain(deps.provider, address, calls);
  return authorityReport(chain, deps.signerAddress);
}

/** The record of a proxy given by name (it must exist) or by address (it may not). */
function recordOf(proxy: string, deps: VerifyAdminDeps): DeploymentRecord | undefined {
  if (!proxy.startsWith("0x")) {
    return resolveRecord(deps.deploymentsDir, deps.networkName, proxy).record;
  }
  try {
    return resolveRecord(deps.deploymentsDir, deps.networkName, proxy).record;
  } catch {
    return undefined;
  }
}
