import http, { type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";

/** A server listening on 127.0.0.1 on a port the system picked. */
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a real HTTP server for a listener on a free port of 127.0.0.1. */
export async function startServer(listener: RequestListener): Promise<RunningServer> {
  const server = http.createServer(listener);
  // Keep-alive sockets would hold close() open after the test's last request.
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A parsed JSON body as tests read it: a missing field fails the assertion that reads it, which
 * says more than a cast at every access would.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** A JSON request with Node's fetch; returns the status, headers and parsed body. */
export async function requestJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: JsonBody }> {
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}
