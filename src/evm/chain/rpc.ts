/** Reachability of a network's JSON-RPC endpoint, checked before anything is sent. */
import { RpcUnreachableError } from "../errors";

/** The one JSON-RPC method this module needs, as both ethers and Hardhat providers offer it. */
export interface RpcRequester {
  send(method: string, params: unknown[]): Promise<unknown>;
}

const REACHABILITY_TIMEOUT_MS = 10_000;

/** Returns the chain id, or throws AEGIS-E300 when the endpoint does not answer in time. */
export async function assertRpcReachable(
  rpc: RpcRequester,
  networkName: string,
  url: string,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${REACHABILITY_TIMEOUT_MS / 1000} s`)),
      REACHABILITY_TIMEOUT_MS,
    );
  });
  try {
    const chainId = await Promise.race([rpc.send("eth_chainId", []), timeout]);
    return Number(BigInt(chainId as string));
  } catch (error) {
    throw new RpcUnreachableError(networkName, url, rootCause(error));
  } finally {
    clearTimeout(timer);
  }
}

function rootCause(error: unknown): string {
  let current: unknown = error;
  // Hardhat wraps ECONNREFUSED in HH108 with the socket error as `parent`/`cause`.
  for (let depth = 0; depth < 5; depth++) {
    const next =
      (current as { parent?: unknown; cause?: unknown } | undefined)?.parent ??
      (current as { cause?: unknown } | undefined)?.cause;
    if (next === undefined) break;
    current = next;
  }
  const text = current instanceof Error ? current.message : String(current);
  return text.split("\n")[0] ?? text;
}

/** A requester that posts one JSON-RPC call to `url` (no provider, no network detection). */
export function httpRequester(url: string): RpcRequester {
  return {
    async send(method, params) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    },
  };
}
