import http from "node:http";
import type { AddressInfo } from "node:net";

/** The three places an RPC provider may expect its API key, as a relay checks them. */
export interface RelayKeys {
  /** `/v2/<pathKey>`, as Alchemy-style URLs carry it. */
  pathKey: string;
  /** `?apikey=<queryKey>`. */
  queryKey: string;
  /** `user:<userKey>@`, which arrives as `Authorization: Basic`. */
  user: string;
  userKey: string;
}

/** A JSON-RPC relay on 127.0.0.1 that serves only requests carrying all three keys. */
export interface KeyedRelay {
  /** The URL a user would be given: every key in it. */
  url: string;
  /** The same relay's URL without any key (for what must not appear). */
  origin: string;
  /** Requests served (every key present). */
  served(): number;
  /** Requests refused, each with what was missing. */
  refused(): string[];
  stop(): Promise<void>;
}

/**
 * Starts a relay in front of `nodeUrl` that answers 401 unless the request's path is
 * `/v2/<pathKey>`, its query has `apikey=<queryKey>` and its Authorization header is Basic
 * `<user>:<userKey>`: a provider that takes its key in the path, the query and the user info at
 * once. Everything else is forwarded to the node unchanged.
 */
export async function startKeyedRelay(nodeUrl: string, keys: RelayKeys): Promise<KeyedRelay> {
  let served = 0;
  const refused: string[] = [];
  const basic = `Basic ${Buffer.from(`${keys.user}:${keys.userKey}`).toString("base64")}`;
  const server = http.createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", "http://relay");
    const missing = [
      url.pathname === `/v2/${keys.pathKey}` ? "" : "path key",
      url.searchParams.get("apikey") === keys.queryKey ? "" : "query key",
      incoming.headers.authorization === basic ? "" : "user info",
    ].filter((what) => what !== "");
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      if (missing.length > 0) {
        refused.push(missing.join(", "));
        outgoing.writeHead(401, { "content-type": "text/plain" });
        outgoing.end(`missing ${missing.join(", ")}`);
        return;
      }
      served++;
      fetch(nodeUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      })
        .then(async (answer) => {
          outgoing.writeHead(answer.status, { "content-type": "application/json" });
          outgoing.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => {
          outgoing.writeHead(502, { "content-type": "text/plain" });
          outgoing.end(`relay: ${error instanceof Error ? error.message : String(error)}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `http://${keys.user}:${keys.userKey}@127.0.0.1:${port}/v2/${keys.pathKey}?apikey=${keys.queryKey}`,
    origin,
    served: () => served,
    refused: () => [...refused],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
