/**
 * The toolkit's one JSON-RPC client. Everything that speaks JSON-RPC without a provider (the
 * reachability check, the fork's first look at the live chain, the storage reader's batches)
 * goes through `rpcClient`, so that one place decides how a URL is used and how it is shown:
 * user info becomes an `Authorization: Basic` header (fetch refuses URLs with credentials), and
 * a URL is only ever shown as `safeUrl` gives it (scheme, host, port and a fingerprint). A read
 * whose connection dropped is asked again (transport-retry.ts), a write never.
 */
import { redactString, safeUrl } from "../../core/redaction";
import { RpcUnreachableError } from "../errors";
import { isReadOnlyMethod, withTransportRetry } from "./transport-retry";

/** The one JSON-RPC method this module needs, as both ethers and Hardhat providers offer it. */
export interface RpcRequester {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** An endpoint: an HTTP JSON-RPC URL (true batches) or an in-process provider (concurrent sends). */
export type RpcEndpoint = string | RpcRequester;

/** One JSON-RPC request of a batch. */
export interface RpcCall {
  method: string;
  params: unknown[];
  /**
   * `params` already written as JSON, for a request whose params hold a large string (a reader
   * program): spares re-serialising and copying it. Must encode exactly `params`.
   */
  paramsJson?: string;
}

/** The answer to one request of a batch: its result or its JSON-RPC error. */
export interface RpcOutcome {
  result?: unknown;
  error?: { code?: number; message?: string };
}

/** How a batch is cut into HTTP requests. */
export interface RpcBatchLimits {
  /** Largest request body sent in one HTTP request (anvil refuses bodies over ~2 MiB). */
  maxBodyBytes?: number;
  /** Most requests in one body. */
  maxPerBody?: number;
  /** HTTP requests in flight at once. */
  concurrency?: number;
}

/** A JSON-RPC client bound to one endpoint. */
export interface RpcClient extends RpcRequester {
  /** The endpoint as it may be shown: safeUrl of the URL, or "in-process". */
  readonly label: string;
  /**
   * Sends the calls (as few HTTP bodies as the limits allow; concurrently to an in-process
   * provider) and returns one outcome per call, in order. Throws RpcTransportError when the
   * endpoint cannot be reached or answers something that is not JSON-RPC.
   */
  batch(calls: RpcCall[], limits?: RpcBatchLimits): Promise<RpcOutcome[]>;
}

/** The endpoint could not be reached, or answered something that is not JSON-RPC. */
export class RpcTransportError extends Error {
  /** The message names the endpoint by its label only (never the URL itself). */
  constructor(
    label: string,
    public readonly problem: string,
    options?: { cause: unknown },
  ) {
    super(`${label}: ${problem}`, options);
    this.name = "RpcTransportError";
  }
}

/** The node answered a request with a JSON-RPC error. */
export class RpcResponseError extends Error {
  /** Keeps the node's error code, when it gave one. */
  constructor(
    method: string,
    message: string,
    public readonly rpcCode?: number,
  ) {
    super(`${method}: ${message}`);
    this.name = "RpcResponseError";
  }
}

const DEFAULT_LIMITS = { maxBodyBytes: 1_500_000, maxPerBody: 1_000, concurrency: 4 } as const;

/**
 * What an HTTP client needs of a URL: the URL without its user info, and the header that
 * carries that user info instead (`Authorization: Basic`, as a browser would send it).
 */
export interface HttpEndpoint {
  url: string;
  headers: Record<string, string>;
}

/** Splits a URL's user info off into an Authorization header; the path and query are kept. */
export function httpEndpointOf(url: string): HttpEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (parsed.username === "" && parsed.password === "") return { url, headers: {} };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  const basic = Buffer.from(`${user}:${password}`, "utf8").toString("base64");
  return { url: parsed.toString(), headers: { authorization: `Basic ${basic}` } };
}

/** The client of an endpoint: an HTTP URL, or an in-process provider (a requester). */
export function rpcClient(endpoint: RpcEndpoint): RpcClient {
  return typeof endpoint === "string" ? httpClient(endpoint) : requesterClient(endpoint);
}

/** A requester that posts one JSON-RPC call to `url` (no provider, no network detection). */
export function httpRequester(url: string): RpcRequester {
  return httpClient(url);
}

function httpClient(url: string): RpcClient {
  const label = safeUrl(url);
  const { url: target, headers } = httpEndpointOf(url);
  const requestHeaders = { "content-type": "application/json", ...headers };
  let nextId = 1;

  const post = async (body: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(target, { method: "POST", headers: requestHeaders, body });
    } catch (error) {
      // fetch's own message names the URL it was given; its cause (the socket's error) does not.
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new RpcTransportError(label, redactString(cause ?? (error as Error).message), {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new RpcTransportError(
        label,
        `HTTP ${response.status}: ${redactString(text.slice(0, 200))}`,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RpcTransportError(label, `answer is not JSON: ${redactString(text.slice(0, 200))}`);
    }
  };

  return {
    label,
    async send(method, params) {
      const id = nextId++;
      const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
      const answer = (await withTransportRetry(method, () => post(body))) as {
        result?: unknown;
        error?: { code?: number; message?: string };
      } | null;
      if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
        throw new RpcTransportError(label, `${method} answered with ${JSON.stringify(answer)}`);
      }
      if (answer.error) {
        throw new RpcResponseError(
          method,
          answer.error.message ?? JSON.stringify(answer.error),
          answer.error.code,
        );
      }
      return answer.result;
    },
    batch: (calls, limits = {}) => httpBatch(label, post, calls, { ...DEFAULT_LIMITS, ...limits }),
  };
}

async function httpBatch(
  label: string,
  post: (body: string) => Promise<unknown>,
  calls: RpcCall[],
  limits: Required<RpcBatchLimits>,
): Promise<RpcOutcome[]> {
  const { maxBodyBytes, maxPerBody, concurrency } = limits;
  // Group requests into bodies under the size limit, keeping each request's index as its id.
  const bodies: { text: string; ids: number[]; readOnly: boolean }[] = [];
  let parts: string[] = [];
  let ids: number[] = [];
  let size = 2;
  let readOnly = true;
  calls.forEach((call, id) => {
    const part =
      call.paramsJson === undefined
        ? JSON.stringify({ jsonrpc: "2.0", id, method: call.method, params: call.params })
        : `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(call.method)},"params":${call.paramsJson}}`;
    if (parts.length > 0 && (size + part.length + 1 > maxBodyBytes || parts.length >= maxPerBody)) {
      bodies.push({ text: `[${parts.join(",")}]`, ids, readOnly });
      parts = [];
      ids = [];
      size = 2;
      readOnly = true;
    }
    parts.push(part);
    ids.push(id);
    size += part.length + 1;
    readOnly &&= isReadOnlyMethod(call.method);
  });
  if (parts.length > 0) bodies.push({ text: `[${parts.join(",")}]`, ids, readOnly });

  const outcomes: RpcOutcome[] = new Array(calls.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      // A body of reads only is asked again when its connection dropped; one with a write never.
      const answers = await withTransportRetry(body.readOnly ? "eth_call" : "batch", () =>
        post(body.text),
      );
      if (!Array.isArray(answers)) {
        throw new RpcTransportError(
          label,
          `batch answered with ${redactString(JSON.stringify(answers).slice(0, 200))}`,
        );
      }
      for (const answer of answers as (RpcOutcome & { id: number })[]) {
        outcomes[answer.id] = answer;
      }
      for (const id of body.ids) {
        if (outcomes[id] === undefined) {
          throw new RpcTransportError(label, `no answer to request ${id} of a batch`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  return outcomes;
}

function requesterClient(requester: RpcRequester): RpcClient {
  return {
    label: "in-process",
    send: (method, params) => requester.send(method, params),
    // An in-process provider has no batch endpoint, and a round trip costs nothing: send them all.
    batch: (calls) =>
      Promise.all(
        calls.map((call) =>
          requester.send(call.method, call.params).then(
            (result): RpcOutcome => ({ result }),
            (error: unknown): RpcOutcome => ({
              error: { message: error instanceof Error ? error.message : String(error) },
            }),
          ),
        ),
      ),
  };
}

const REACHABILITY_TIMEOUT_MS = 10_000;

/**
 * The chain id an endpoint answers with, within 10 s; otherwise throws an Error whose message is
 * the root cause, URLs in it made safe.
 */
export async function probeChainId(rpc: RpcRequester): Promise<number> {
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
    throw new Error(rootCause(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Returns the chain id, or throws AEGIS-E300 when the network's endpoint does not answer in
 * time. `url` is the network's URL (shown only as safeUrl gives it), or undefined in-process.
 */
export async function assertRpcReachable(
  rpc: RpcRequester,
  networkName: string,
  url: string | undefined,
): Promise<number> {
  try {
    return await probeChainId(rpc);
  } catch (error) {
    const shown = url === undefined || url === "in-process" ? "in-process" : safeUrl(url);
    throw new RpcUnreachableError(networkName, shown, (error as Error).message);
  }
}

function rootCause(error: unknown): string {
  // Our own transport error names the endpoint already; the caller's message names it too.
  if (error instanceof RpcTransportError) return error.problem;
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
  return redactString(text.split("\n")[0] ?? text);
}
