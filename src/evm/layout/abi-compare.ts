/**
 * The ABI breaking changes between two implementations that integrators meet (removed or changed
 * functions and events), and selectors of the new implementation that clash with the transparent
 * proxy's admin interface or with each other.
 */
import { ethers } from "ethers";
import type { LayoutFinding } from "./layout-findings";

/** Functions a transparent proxy (and the ProxyAdmin path through it) answers itself. */
export const PROXY_ADMIN_INTERFACE = [
  "upgradeToAndCall(address,bytes)",
  "upgradeTo(address)",
  "changeAdmin(address)",
  "admin()",
  "implementation()",
  "upgradeAndCall(address,address,bytes)",
  "UPGRADE_INTERFACE_VERSION()",
];

/**
 * Compares two ABIs (JSON fragments, as artifacts hold them). Behind a UUPS proxy (`proxyKind`
 * "uups") the proxy answers nothing itself: the implementation's own upgradeToAndCall is the
 * upgrade path, so only clashes among the implementation's selectors count. Unknown (two
 * contracts compared without a proxy), the transparent proxy's interface is checked.
 */
export function compareAbis(
  currentAbi: unknown[],
  newAbi: unknown[],
  proxyKind?: "transparent" | "uups",
): LayoutFinding[] {
  const current = new ethers.Interface(currentAbi as ethers.InterfaceAbi);
  const next = new ethers.Interface(newAbi as ethers.InterfaceAbi);
  const findings: LayoutFinding[] = [];

  const functionsOf = (iface: ethers.Interface) => {
    const map = new Map<string, ethers.FunctionFragment>();
    iface.forEachFunction((fragment) => map.set(fragment.format("sighash"), fragment));
    return map;
  };
  const eventsOf = (iface: ethers.Interface) => {
    const map = new Map<string, ethers.EventFragment>();
    iface.forEachEvent((fragment) => map.set(fragment.format("sighash"), fragment));
    return map;
  };

  const nextFunctions = functionsOf(next);
  for (const [signature, fragment] of functionsOf(current)) {
    const updated = nextFunctions.get(signature);
    if (updated === undefined) {
      findings.push({ kind: "function-removed", signature });
      continue;
    }
    const before = fragment.outputs.map((output) => output.format("sighash")).join(",");
    const after = updated.outputs.map((output) => output.format("sighash")).join(",");
    if (before !== after) {
      findings.push({
        kind: "function-changed",
        signature,
        change: `returns (${before}) -> (${after})`,
      });
    }
    if (fragment.stateMutability !== updated.stateMutability) {
      findings.push({
        kind: "function-changed",
        signature,
        change: `${fragment.stateMutability} -> ${updated.stateMutability}`,
      });
    }
  }

  const nextEvents = eventsOf(next);
  for (const [signature, fragment] of eventsOf(current)) {
    const updated = nextEvents.get(signature);
    if (updated === undefined) {
      findings.push({ kind: "event-removed", signature });
      continue;
    }
    const indexed = (event: ethers.EventFragment) =>
      event.inputs.map((input) => (input.indexed ? "indexed" : "-")).join(",");
    if (indexed(fragment) !== indexed(updated) || fragment.anonymous !== updated.anonymous) {
      findings.push({
        kind: "event-changed",
        signature,
        change: `indexed arguments ${indexed(fragment)} -> ${indexed(updated)}`,
      });
    }
  }

  // A UUPS implementation carries upgradeToAndCall on purpose and sits behind a proxy without an
  // admin interface: only a transparent proxy's admin can clash. The kind is known from the chain
  // in live mode; in build mode, a UUPS implementation is the one that answers proxiableUUID().
  const uups = proxyKind === "uups" || nextFunctions.has("proxiableUUID()");
  const adminSelectors = new Map(
    (uups ? [] : PROXY_ADMIN_INTERFACE).map((signature) => [
      ethers.id(signature).slice(0, 10),
      signature,
    ]),
  );
  const seen = new Map<string, string>();
  for (const [signature, fragment] of nextFunctions) {
    const clash = adminSelectors.get(fragment.selector);
    if (clash !== undefined) {
      findings.push({
        kind: "selector-clash",
        signature,
        selector: fragment.selector,
        clashesWith: `the proxy's ${clash}`,
      });
    }
    const other = seen.get(fragment.selector);
    if (other !== undefined) {
      findings.push({
        kind: "selector-clash",
        signature,
        selector: fragment.selector,
        clashesWith: other,
      });
    }
    seen.set(fragment.selector, signature);
  }
  return findings;
}
