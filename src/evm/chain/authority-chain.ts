/**
 * The whole authority chain of a proxy at one block: which call upgrades it and who may make it
 * (a ProxyAdmin's owner, a UUPS implementation's role), who may pause and unpause it, and what
 * each of those accounts is (a key, a Safe, a timelock, a Safe behind a timelock). The upgrade's
 * preflight, `aegis:verify-admin` and the routing of the checklist's transactions all read this
 * one resolution, so what the user is shown is what the run does.
 */
import { ethers, type Provider } from "ethers";
import { readProxyInfo } from "./eip1967";
import { readCallGuard, type CallGuard } from "./call-right";
import { describeHolder, resolveHolder, type AuthorityHolder } from "./authority-holder";
import { UUPS_INTERFACE } from "./upgrade-authority";

const proxyAdminInterface = new ethers.Interface([
  "function upgradeAndCall(address proxy, address implementation, bytes data) payable",
]);

/** One right (a guarded call) and the resolved accounts that hold it. */
export interface AuthorityRight {
  /** The call's target: the ProxyAdmin for a transparent upgrade, else the proxy. */
  target: string;
  guard: CallGuard;
  holders: AuthorityHolder[];
}

/** A proxy's authorities, as the chain says at `block`. */
export interface AuthorityChain {
  block: number;
  proxy: string;
  proxyKind: "transparent" | "uups";
  implementation: string;
  /** The ProxyAdmin of a transparent proxy. */
  proxyAdmin?: string;
  upgrade: AuthorityRight;
  pause?: AuthorityRight;
  unpause?: AuthorityRight;
}

/** The calls whose rights are resolved besides the upgrade (a preset's pause and unpause). */
export interface AuthorityCalls {
  pauseData?: string;
  unpauseData?: string;
}

/** Resolves every right of the proxy at `blockTag` (latest when omitted). */
export async function resolveAuthorityChain(
  provider: Provider,
  proxy: string,
  calls: AuthorityCalls = {},
  blockTag?: number,
): Promise<AuthorityChain> {
  const block = blockTag ?? (await provider.getBlockNumber());
  const info = await readProxyInfo(provider, proxy, block);
  // The no-op upgrade (to the current implementation) runs exactly the guard a real one meets.
  const upgradeCall =
    info.kind === "transparent"
      ? {
          to: info.admin,
          data: proxyAdminInterface.encodeFunctionData("upgradeAndCall", [
            info.proxy,
            info.implementation,
            "0x",
          ]),
        }
      : {
          to: info.proxy,
          data: UUPS_INTERFACE.encodeFunctionData("upgradeToAndCall", [info.implementation, "0x"]),
        };
  const right = async (to: string, data: string): Promise<AuthorityRight> => {
    const guard = await readCallGuard(provider, to, data, block);
    const addresses =
      guard.kind === "owner" ? [guard.owner] : guard.kind === "role" ? guard.members : [];
    return {
      target: ethers.getAddress(to),
      guard,
      holders: await Promise.all(
        addresses.map((address) => resolveHolder(provider, address, block)),
      ),
    };
  };
  const chain: AuthorityChain = {
    block,
    proxy: info.proxy,
    proxyKind: info.kind,
    implementation: info.implementation,
    upgrade: await right(upgradeCall.to, upgradeCall.data),
  };
  if (info.kind === "transparent") chain.proxyAdmin = info.admin;
  if (calls.pauseData !== undefined) chain.pause = await right(info.proxy, calls.pauseData);
  if (calls.unpauseData !== undefined) chain.unpause = await right(info.proxy, calls.unpauseData);
  return chain;
}

/** How the signer can get a guarded call made, if at all. */
export type SignerRoute =
  | { kind: "direct"; holder: string }
  | { kind: "safe"; safe: Extract<AuthorityHolder, { kind: "safe" }> }
  | {
      kind: "timelock";
      timelock: Extract<AuthorityHolder, { kind: "timelock" }>;
      /** How the signer gets the proposal made: itself, or through a Safe it owns. */
      proposer:
        | { kind: "direct"; holder: string }
        | { kind: "safe"; safe: Extract<AuthorityHolder, { kind: "safe" }> };
    }
  | { kind: "none"; why: string };

/** The first way `signer` can have the right exercised: directly, through a Safe it owns, or by proposing to a timelock. */
export function signerRoute(right: AuthorityRight, signer: string): SignerRoute {
  const me = ethers.getAddress(signer);
  if (right.guard.kind === "anyone") return { kind: "direct", holder: me };
  for (const holder of right.holders) {
    const route = routeThrough(holder, me);
    if (route !== undefined) return route;
  }
  return { kind: "none", why: `it is not ${describeRight(right)}` };
}

function routeThrough(holder: AuthorityHolder, me: string): SignerRoute | undefined {
  // The holder itself, whatever it is: a key, or a Safe impersonated on a rehearsal's fork.
  if (holder.address === me) return { kind: "direct", holder: me };
  if (holder.kind === "safe" && holder.owners.includes(me)) return { kind: "safe", safe: holder };
  if (holder.kind === "timelock") {
    for (const proposer of holder.proposers) {
      const inner = routeThrough(proposer, me);
      if (inner?.kind === "direct" || inner?.kind === "safe") {
        return { kind: "timelock", timelock: holder, proposer: inner };
      }
    }
  }
  return undefined;
}

/** Who holds a right, in one line: "the owner of 0x… (Safe 0x… (2 of 3 owners, v1.4.1))". */
export function describeRight(right: AuthorityRight): string {
  const { guard } = right;
  const holders = right.holders.map(describeHolder).join("; ") || "no one";
  switch (guard.kind) {
    case "anyone":
      return "open to anyone";
    case "owner":
      return `the owner of ${guard.contract}: ${holders}`;
    case "role":
      return `a holder of role ${guard.role.slice(0, 10)}… on ${guard.contract}: ${holders}`;
    case "unknown":
      return `unknown (${guard.reason})`;
  }
}

/** One line saying how the signer acts through a route. */
export function describeRoute(route: SignerRoute): string {
  switch (route.kind) {
    case "direct":
      return "signs and sends it directly";
    case "safe":
      return `as an owner of Safe ${route.safe.address}: ${route.safe.threshold} of ${route.safe.owners.length} signatures, then the Safe executes it`;
    case "timelock": {
      const proposer =
        route.proposer.kind === "direct"
          ? "proposes it itself"
          : `proposes it through Safe ${route.proposer.safe.address} (${route.proposer.safe.threshold} of ${route.proposer.safe.owners.length})`;
      const executors = route.timelock.executors;
      const executor =
        executors === "anyone"
          ? "anyone executes"
          : `executed by ${executors.map(describeHolder).join("; ") || "no one"}`;
      return `through TimelockController ${route.timelock.address}: ${proposer}, waits ${route.timelock.minDelay} s, ${executor}`;
    }
    case "none":
      return `cannot: ${route.why}`;
  }
}

/** A step of the checklist that needs a right, and how this signer gets it exercised. */
export interface StepAuthority {
  step: string;
  needs: string;
  route: SignerRoute;
}

/** Who can perform each sending step of the checklist, for this signer. */
export function stepAuthorities(chain: AuthorityChain, signer: string): StepAuthority[] {
  const rows: StepAuthority[] = [];
  const add = (step: string, right: AuthorityRight | undefined) => {
    if (right !== undefined)
      rows.push({ step, needs: describeRight(right), route: signerRoute(right, signer) });
  };
  add("pause", chain.pause);
  rows.push({
    step: "deploy-implementation",
    needs: "open to anyone (a contract creation)",
    route: { kind: "direct", holder: ethers.getAddress(signer) },
  });
  add("upgrade", chain.upgrade);
  add("unpause", chain.unpause);
  return rows;
}
