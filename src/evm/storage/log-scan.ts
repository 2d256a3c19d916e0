/**
 * Reads event logs over a block range the way public RPC providers allow: in chunks that shrink
 * when the provider refuses a range or a result as too large, grow again after successes, and
 * are asked again with a growing pause when the provider limits the request rate. Providers cap
 * `eth_getLogs` at 1,000 to 10,000 blocks or a number of results, and answer 429 when pressed.
 */
import { ethers } from "ethers";
import { StorageReadError } from "../layout-errors";

/** A log as the node returns it (the fields the key scan reads). */
export interface RawLog {
  topics: string[];
  data: string;
  blockNumber?: string;
}

/** Sends one `eth_getLogs` request; throws with the node's message on refusal. */
export type GetLogs = (filter: {
  address: string;
  topics: (string | string[])[];
  fromBlock: string;
  toBlock: string;
}) => Promise<RawLog[]>;

/** How the scan adapts. */
export interface LogScanOptions {
  /** Blocks of the first chunk. Default 10,000. */
  initialChunk?: number;
  /** Largest chunk it grows to. Default 100,000. */
  maxChunk?: number;
  /** Attempts of one chunk refused for its rate before giving up. Default 6. */
  rateRetries?: number;
  /** First pause after a rate refusal; doubled each time. Default 250 ms. */
  backoffMs?: number;
  /** Waits; replaced in tests that do not want to wait for real. */
  sleep?: (ms: number) => Promise<void>;
}

/** What a scan found and how it went. */
export interface LogScan {
  logs: RawLog[];
  requests: number;
  /** Times a chunk was cut because the provider refused its size. */
  shrinks: number;
  /** Times a request was asked again after a rate refusal. */
  rateRetries: number;
}

const RATE = /\b429\b|rate.?limit|too many requests|exceeded .*capacity|-32005\b/i;
const TOO_LARGE =
  /block range|range (is )?too (large|wide|big)|too many (results|logs|blocks)|response size|query returned more than|limit exceeded|exceeds? (the )?(max|limit)|max(imum)? .*(range|results|logs)/i;

/** Scans `fromBlock..toBlock` (inclusive) for logs of `address` with any of `topics`. */
export async function scanLogs(
  getLogs: GetLogs,
  address: string,
  topics: string[],
  fromBlock: number,
  toBlock: number,
  options: LogScanOptions = {},
): Promise<LogScan> {
  const maxChunk = options.maxChunk ?? 100_000;
  const retries = options.rateRetries ?? 6;
  const backoff = options.backoffMs ?? 250;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  let chunk = Math.min(options.initialChunk ?? 10_000, maxChunk);
  // A size the provider refused: growing never reaches it again.
  let ceiling = maxChunk;
  const scan: LogScan = { logs: [], requests: 0, shrinks: 0, rateRetries: 0 };
  let start = fromBlock;
  let rateFailures = 0;
  while (start <= toBlock) {
    const end = Math.min(toBlock, start + chunk - 1);
    scan.requests++;
    try {
      const logs = await getLogs({
        address,
        topics: [topics],
        fromBlock: ethers.toQuantity(start),
        toBlock: ethers.toQuantity(end),
      });
      scan.logs.push(...logs);
      start = end + 1;
      rateFailures = 0;
      chunk = Math.min(ceiling, chunk * 2);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (RATE.test(message) && rateFailures < retries) {
        await sleep(backoff * 2 ** rateFailures);
        rateFailures++;
        scan.rateRetries++;
      } else if (TOO_LARGE.test(message) && end > start) {
        const span = end - start + 1;
        ceiling = Math.max(1, span - 1);
        chunk = Math.max(1, Math.min(suggestedSpan(message, start) ?? span >> 1, ceiling));
        scan.shrinks++;
      } else {
        throw error;
      }
    }
  }
  return scan;
}

/** The range some providers name in their refusal ("try with this block range [0x1, 0x3e8]"). */
function suggestedSpan(message: string, start: number): number | undefined {
  const match = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  if (!match) return undefined;
  const [from, to] = [Number(match[1]), Number(match[2])];
  return from === start && to >= from ? to - from + 1 : undefined;
}

/** A GetLogs over a reader's batch (one request a call), its errors kept as the node said them. */
export function getLogsOf(
  batch: (calls: { method: string; params: unknown[] }[]) => Promise<unknown[]>,
): GetLogs {
  return async (filter) => {
    const [logs] = await batch([{ method: "eth_getLogs", params: [filter] }]);
    if (!Array.isArray(logs)) {
      throw new StorageReadError("eth_getLogs", `answer is not a list: ${JSON.stringify(logs)}`);
    }
    return logs as RawLog[];
  };
}
