import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the relay does with an `eth_call` that carries a state override (a third parameter). */
export type OverrideBehaviour = "refuse" | "ignore";

/** A JSON-RPC relay on 127.0.0.1 in front of a real node. */
export interface RpcRelay {
  url: string;
  /** eth_call requests that carried a state override. */
  overridesSeen(): number;
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
): Promise<RpcRelay> {
  let seen = 0;
  const server = http.createServer((incoming, outgoing) => {
    let body = "";
    incoming.on("data", (chunk: Buffer) => (body += chunk.toString()));
    incoming.on("end", () => {
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

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    overridesSeen: () => seen,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
