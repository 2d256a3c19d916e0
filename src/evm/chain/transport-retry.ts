/**
 * A JSON-RPC read that failed in transport (the node closed a kept-alive socket as the request
 * went out, a reset) is asked again; a write never is. A node's HTTP server closes idle
 * keep-alive sockets after a few seconds, and a client that picks such a socket at that instant
 * gets "other side closed" though the node is fine; on a busy machine that happens often
 * enough to fail a run for nothing. A write that failed this way may or may not have reached
 * the node, so it is left to the engine: its intent is journaled, and a resume reconciles it.
 */

/** Methods that only read: asking twice changes nothing. */
const READ_METHODS = new Set([
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_accounts",
  "eth_syncing",
  "net_version",
  "web3_clientVersion",
  "hardhat_metadata",
]);

/** Whether asking `method` again is harmless. */
export function isReadOnlyMethod(method: string): boolean {
  return READ_METHODS.has(method) || method.startsWith("eth_get");
}

const TRANSPORT_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"]);
const TRANSPORT_MESSAGES = [/other side closed/i, /socket hang up/i, /\bECONNRESET\b/];

/** Whether an error (or one it wraps) is a dropped connection rather than the node's answer. */
export function isTransportFailure(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== "object" || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && TRANSPORT_CODES.has(code)) return true;
  if (typeof message === "string" && TRANSPORT_MESSAGES.some((pattern) => pattern.test(message)))
    return true;
  return isTransportFailure(cause, depth + 1);
}

/** Pauses between attempts: short, since the next socket is usually fine at once. */
export const TRANSPORT_RETRY_DELAYS_MS = [0, 100, 400] as const;

/**
 * Runs `attempt`; when `method` only reads and the attempt failed in transport, runs it again
 * after each delay of `delaysMs`, then gives the last error.
 */
export async function withTransportRetry<T>(
  method: string,
  attempt: () => Promise<T>,
  delaysMs: readonly number[] = TRANSPORT_RETRY_DELAYS_MS,
): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await attempt();
    } catch (error) {
      if (!isReadOnlyMethod(method) || !isTransportFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return attempt();
}
