import { ethers } from "ethers";
import { UUPS_INTERFACE } from "../../chain/upgrade-authority";
import type { UpgradePlanInput } from "../plan-input";

const proxyAdminInterface = new ethers.Interface([
  "function upgradeAndCall(address proxy, address implementation, bytes data) payable",
]);

/** The transaction that points the proxy at `implementation` and makes `call` in the same breath. */
export function upgradeTransaction(input: UpgradePlanInput, implementation: string, call: string) {
  if (input.proxyKind === "uups") {
    return {
      label: "upgradeToAndCall",
      to: input.proxy,
      data: UUPS_INTERFACE.encodeFunctionData("upgradeToAndCall", [implementation, call]),
    };
  }
  return {
    label: "upgradeAndCall",
    to: input.proxyAdmin,
    data: proxyAdminInterface.encodeFunctionData("upgradeAndCall", [
      input.proxy,
      implementation,
      call,
    ]),
  };
}
