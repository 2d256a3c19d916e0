/**
 * Counting what the storage reader sends, so that a test of "read with state overrides, in one
 * call" fails when the reader falls back to eth_getStorageAt or splits its calls: a requester that
 * records every request it forwards (in-process), and a relay on 127.0.0.1 that forwards every
 * HTTP body unchanged to a real node and records its requests (a URL endpoint).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { RpcRequester } from "../../../src/evm/chain/rpc";

/** One JSON-RPC request as seen on its way to the node. */
export interface SeenRequest {
  method: string;
  /** An eth_call that carried a state override (its third parameter): a reader program. */
  override: boolean;
  /** The HTTP body it came in (0, 1, ...); always 0 for a requester, which has no bodies. */
  body: number;
}

/** What was sent so far, and a way to start counting afresh. */
export interface RequestLog {
  requests(): SeenRequest[];
  /** Methods in the order sent. */
  methods(): string[];
  /** eth_calls carrying a state override. */
  overrideCalls(): number;
  /** Requests of `method`. */
  count(method: string): number;
  /** HTTP bodies received (each a JSON-RPC batch or a single request). */
  bodies(): number;
  reset(): void;
}

function requestLog(seen: SeenRequest[], bodies: { count: number }): RequestLog {
  return {
    requests: () => [...seen],
    methods: () => seen.map((request) => request.method),
    overrideCalls: () => seen.filter((request) => request.override).length,
    count: (method) => seen.filter((request) => request.method === method).length,
    bodies: () => bodies.count,
    reset: () => {
      seen.length = 0;
      bodies.count = 0;
    },
  };
}

function isOverride(method: string, params: unknown[] | undefined): boolean {
  return method === "eth_call" && (params?.length ?? 0) > 2;
}

/** A requester that logs what it forwards to `inner`, and how many requests were in flight. */
export interface CountingRequester extends RpcRequester {
  log: RequestLog;
  /** Most requests sent and not yet answered at one time, since the last reset. */
  maxInFlight(): number;
}

/** A requester that forwards to `inner` and logs every request. */
export function countingRequester(inner: RpcRequester): CountingRequester {
  const seen: SeenRequest[] = [];
  const log = requestLog(seen, { count: 0 });
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    log: {
      ...log,
      reset: () => {
        log.reset();
        maxInFlight = inFlight;
      },
    },
    maxInFlight: () => maxInFlight,
    send(method, params) {
      seen.push({ method, override: isOverride(method, params), body: 0 });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return inner.send(method, params).finally(() => inFlight--);
    },
  };
}

/** A relay in front of a real node that logs every request it forwards. */
export interface CountingRelay {
  url: string;
  log: RequestLog;
  stop(): Promise<void>;
}

/** Starts a relay on a free port of 127.0.0.1 that forwards every body unchanged to `nodeUrl`. */
export async function startCountingRelay(nodeUrl: string): Promise<CountingRelay> {
  const seen: SeenRequest[] = [];
  const bodies = { count: 0 };
  const server = http.createServer((incoming, outgoing) => {
    let body = "";
    incoming.on("data", (chunk: Buffer) => (body += chunk.toString()));
    incoming.on("end", () => {
      const number = bodies.count++;
      const parsed = JSON.parse(body) as
        { method: string; params?: unknown[] } | { method: string; params?: unknown[] }[];
      for (const request of Array.isArray(parsed) ? parsed : [parsed]) {
        seen.push({
          method: request.method,
          override: isOverride(request.method, request.params),
          body: number,
        });
      }
      fetch(nodeUrl, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (answer) => {
          outgoing.writeHead(answer.status, { "content-type": "application/json" });
          outgoing.end(await answer.text());
        })
        // The node behind it is gone: say so at once, not at a timeout.
        .catch((error: unknown) => {
          outgoing.writeHead(502, { "content-type": "text/plain" });
          outgoing.end(`relay: ${error instanceof Error ? error.message : String(error)}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log: requestLog(seen, bodies),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
