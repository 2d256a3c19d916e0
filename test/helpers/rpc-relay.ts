import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the relay does with an `eth_call` that carries a state override (a third parameter). */
export type OverrideBehaviour = "refuse" | "ignore";

/** Limits a public provider puts on eth_getLogs, enforced by the relay. */
export interface LogLimits {
  /** Widest block range answered; wider is refused as a provider does. */
  maxRange?: number;
  /** Most logs answered; more is refused ("query returned more than N results"). */
  maxResults?: number;
  /** Every Nth eth_getLogs request is answered HTTP 429 (rate limited). */
  rateLimitEvery?: number;
}

/** A JSON-RPC relay on 127.0.0.1 in front of a real node. */
export interface RpcRelay {
  url: string;
  /** eth_call requests that carried a state override. */
  overridesSeen(): number;
  /** eth_getLogs requests received, and the block ranges of those answered with logs. */
  logRequests(): { received: number; answered: [number, number][] };
  stop(): Promise<void>;
}

interface Request {
  jsonrpc: "2.0";
  id: number | string;
  method: string;
  params?: unknown[];
}

/**
 * Starts a relay that forwards every request to `nodeUrl` unchanged, except `eth_call` with a
 * state override: `refuse` answers it with an error, as providers without override support do;
 * `ignore` drops the override and forwards the call, as a node that silently ignores it would.
 */
export async function startRpcRelay(
  nodeUrl: string,
  behaviour: OverrideBehaviour,
  logLimits: LogLimits = {},
): Promise<RpcRelay> {
  let seen = 0;
  let logsReceived = 0;
  const answered: [number, number][] = [];
  const server = http.createServer((incoming, outgoing) => {
    let body = "";
    incoming.on("data", (chunk: Buffer) => (body += chunk.toString()));
    incoming.on("end", () => {
      const parsed = JSON.parse(body) as Request | Request[];
      const getLogs = (Array.isArray(parsed) ? parsed : [parsed]).some(
        (request) => request.method === "eth_getLogs",
      );
      if (getLogs) logsReceived++;
      if (getLogs && logLimits.rateLimitEvery && logsReceived % logLimits.rateLimitEvery === 0) {
        outgoing.writeHead(429, { "content-type": "text/plain" });
        outgoing.end("Too Many Requests");
        return;
      }
      relay(body).then(
        (answer) => {
          outgoing.writeHead(200, { "content-type": "application/json" });
          outgoing.end(answer);
        },
        // The node behind it is gone or answered nonsense: say so at once, not at a timeout.
        (error: unknown) => {
          outgoing.writeHead(502, { "content-type": "text/plain" });
          outgoing.end(`relay: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  });

  const relay = async (body: string): Promise<string> => {
    const parsed = JSON.parse(body) as Request | Request[];
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    const refused: object[] = [];
    const forwarded: Request[] = [];
    for (const request of requests) {
      if (request.method === "eth_getLogs") {
        const refusal = await limitLogs(request);
        if (refusal !== undefined) {
          refused.push({ jsonrpc: "2.0", id: request.id, error: refusal });
          continue;
        }
      }
      const overrides = request.method === "eth_call" && (request.params?.length ?? 0) > 2;
      if (overrides) seen++;
      if (overrides && behaviour === "refuse") {
        refused.push({
          jsonrpc: "2.0",
          id: request.id,
          error: { code: -32602, message: "state overrides are not supported" },
        });
      } else if (overrides) {
        forwarded.push({ ...request, params: request.params!.slice(0, 2) });
      } else {
        forwarded.push(request);
      }
    }
    const answers =
      forwarded.length === 0
        ? []
        : ((await (
            await fetch(nodeUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(forwarded),
            })
          ).json()) as object[]);
    const all = [...answers, ...refused];
    return JSON.stringify(Array.isArray(parsed) ? all : all[0]);
  };

  // A provider's refusal of an eth_getLogs request, or undefined when it would answer.
  const limitLogs = async (request: Request) => {
    const filter = request.params![0] as { fromBlock: string; toBlock: string };
    const [from, to] = [Number(filter.fromBlock), Number(filter.toBlock)];
    if (logLimits.maxRange !== undefined && to - from + 1 > logLimits.maxRange) {
      return {
        code: -32600,
        message: `block range is too wide: at most ${logLimits.maxRange} blocks per request`,
      };
    }
    if (logLimits.maxResults !== undefined) {
      const logs = (await (
        await fetch(nodeUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request),
        })
      ).json()) as { result: unknown[] };
      if (logs.result.length > logLimits.maxResults) {
        return {
          code: -32005,
          message: `query returned more than ${logLimits.maxResults} results`,
        };
      }
    }
    answered.push([from, to]);
    return undefined;
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    overridesSeen: () => seen,
    logRequests: () => ({ received: logsReceived, answered: [...answered] }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
