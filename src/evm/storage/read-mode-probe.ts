/**
 * Which way a node can be read, learnt in one round trip: a reader-program call for one slot is
 * compared with `eth_getStorageAt` of the same slot. A node that refuses the state override
 * answers an error; one that ignores it runs the contract's own code and answers something else.
 * Either way it is read with the fallback. The client version, asked in the same batch, tells
 * whether the node is anvil, which takes far more gas per call.
 */
import type { RpcCall, RpcOutcome } from "../chain/rpc";
import { StorageReadError } from "../layout-errors";
import { programCall } from "./override-reads";
import { slotHex } from "./storage-slots";
import type { ReadMode } from "./storage-reader";

/** What the probe learnt about the node. */
export interface ProbeResult {
  mode: ReadMode;
  anvil: boolean;
}

/**
 * Probes `slot` of `address` with a call of `gas`. Throws AEGIS-E324 only when the node cannot
 * read the slot at all (`eth_getStorageAt` fails); a failed override call means "batch".
 */
export async function probeReadMode(
  send: (calls: RpcCall[]) => Promise<RpcOutcome[]>,
  probe: { address: string; slot: bigint; blockTag: string; gas: bigint },
  label: string,
): Promise<ProbeResult> {
  const { address, slot, blockTag } = probe;
  const [call, direct, client] = await send([
    programCall(address, [{ slots: [slot] }], blockTag, probe.gas),
    { method: "eth_getStorageAt", params: [address, slotHex(slot), blockTag] },
    { method: "web3_clientVersion", params: [] },
  ]);
  const anvil = typeof client?.result === "string" && client.result.startsWith("anvil");
  if (direct?.error !== undefined) {
    throw new StorageReadError(label, `eth_getStorageAt: ${direct.error.message}`);
  }
  const answer = call?.result;
  const agrees =
    call?.error === undefined &&
    typeof answer === "string" &&
    answer.length === 66 &&
    BigInt(answer) === BigInt(direct!.result as string);
  return { mode: agrees ? "override" : "batch", anvil };
}
