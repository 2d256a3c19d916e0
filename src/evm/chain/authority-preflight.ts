/**
 * The upgrade's preflight on the authority chain: the signer must be able to have every sending
 * step of the checklist made (upgrade, pause, unpause). A missing right is refused before
 * anything is sent, naming who holds it and what that holder is (a key, a Safe and its owners, a
 * timelock and its proposers), so the user knows whose account or whose signatures to get.
 */
import type { Provider } from "ethers";
import {
  AuthorityRouteUnsupportedError,
  SignerCannotPauseError,
  SignerCannotUpgradeError,
  SignerLacksUpgradeRightError,
} from "../errors";
import { describeHolder } from "./authority-holder";
import {
  describeRight,
  describeRoute,
  signerRoute,
  type AuthorityChain,
  type AuthorityRight,
  type SignerRoute,
} from "./authority-chain";
import { readProxyInfo } from "./eip1967";
import { signerCanUpgrade, type UpgradeAuthority } from "./upgrade-authority";

const UNSUPPORTED_WHY =
  "this caller drives only the transactions the signer sends itself (aegis:upgrade drives Safes and timelocks too)";

/** The routes the run takes for each right, once the preflight accepted them. */
export interface AcceptedRoutes {
  upgrade: SignerRoute;
  pause?: SignerRoute;
  unpause?: SignerRoute;
}

/** Which routes the run can drive; the others are refused with AEGIS-E350. */
export type RouteKinds = ReadonlySet<SignerRoute["kind"]>;

/** Throws the precise coded error unless the signer can have each right of `chain` exercised. */
export async function assertSignerCanAct(
  provider: Provider,
  chain: AuthorityChain,
  signer: string,
  proxyLabel: string,
  runnable: RouteKinds = new Set(["direct"]),
): Promise<AcceptedRoutes> {
  const upgrade = await upgradeRoute(provider, chain, signer, proxyLabel);
  if (!runnable.has(upgrade.kind)) {
    throw new AuthorityRouteUnsupportedError(
      "upgrade right",
      proxyLabel,
      describeRoute(upgrade),
      UNSUPPORTED_WHY,
    );
  }
  const routes: AcceptedRoutes = { upgrade };
  for (const call of ["pause", "unpause"] as const) {
    const right = chain[call];
    if (right === undefined) continue;
    const route = signerRoute(right, signer);
    // A guard the contract does not name (a custom modifier) is left to the step's own
    // transaction: refusing on a guess would block protocols the toolkit cannot read.
    if (route.kind === "none" && right.guard.kind === "unknown") continue;
    if (route.kind === "none") {
      throw new SignerCannotPauseError(signer, `${call}()`, proxyLabel, describeRight(right));
    }
    if (!runnable.has(route.kind)) {
      throw new AuthorityRouteUnsupportedError(
        `${call}() right`,
        proxyLabel,
        describeRoute(route),
        UNSUPPORTED_WHY,
      );
    }
    routes[call] = route;
  }
  return routes;
}

async function upgradeRoute(
  provider: Provider,
  chain: AuthorityChain,
  signer: string,
  proxyLabel: string,
): Promise<SignerRoute> {
  const right = chain.upgrade;
  const route = signerRoute(right, signer);
  if (route.kind !== "none") return route;
  const info = await readProxyInfo(provider, chain.proxy, chain.block);
  if (chain.proxyKind === "transparent") {
    const owner = right.guard.kind === "owner" ? right.guard.owner : "an unknown account";
    throw new SignerCannotUpgradeError(
      signer,
      proxyLabel,
      chain.proxyAdmin as string,
      owner,
      holdersOf(right),
    );
  }
  // A UUPS guard the contract does not name is decided by simulating the upgrade from the signer.
  const authority: UpgradeAuthority = { kind: "uups", proxyAdmin: info.admin };
  const simulated = await signerCanUpgrade(provider, info, authority, signer, chain.block);
  if (simulated.allowed) return { kind: "direct", holder: signer };
  throw new SignerLacksUpgradeRightError(
    signer,
    proxyLabel,
    `${simulated.reason}; the right belongs to ${describeRight(right)}`,
  );
}

function holdersOf(right: AuthorityRight): string {
  if (right.holders.length === 1 && right.holders[0]!.kind === "eoa") return "a key";
  return right.holders.map(describeHolder).join("; ") || "no one the toolkit can resolve";
}
