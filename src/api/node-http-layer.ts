/**
 * The compatibility layer in front of a Node `http` request listener that serves the new
 * version. An old-version request's JSON body is translated forward and handed to the listener
 * as a fresh request; the listener's JSON response is collected, translated back and sent.
 * Requests that need no translation go straight through, untouched.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { CompatibilityLayer, LayerRoute } from "./compatibility-layer";
import { InvalidJsonBodyError } from "./errors";
import { collectJsonResponse, plainHeaders, replayRequest } from "./http-exchange";
import { headerValue, parseJsonBody, readRequestBody } from "./request-body";

/** One old-version exchange as the client saw it (for recordings). */
export interface ObservedExchange {
  request: { method: string; url: string; headers: Record<string, string>; body: unknown };
  response: { status: number; body: unknown };
}

/** Options of the Node adapter. */
export interface NodeLayerOptions {
  /** Called after each translated exchange (a recorder redacts and writes it). */
  onExchange?(exchange: ObservedExchange): void;
}

type ForwardRoute = Extract<LayerRoute, { action: "forward" }>;

/** Wraps the new version's listener with the layer. */
export function withCompatibilityLayer(
  layer: CompatibilityLayer,
  next: RequestListener,
  options: NodeLayerOptions = {},
): RequestListener {
  return (request, response) => {
    const route = layer.route(request.method ?? "GET", request.url ?? "/", (name) =>
      headerValue(request.headers[name]),
    );
    if (route.action === "respond") {
      sendJson(response, route.status, route.headers, route.body);
      return;
    }
    request.url = route.url;
    if (!route.translate) {
      for (const [name, value] of Object.entries(route.headers)) response.setHeader(name, value);
      next(request, response);
      return;
    }
    if (!carriesBody(request)) {
      // Nothing to translate forward: the listener gets the request as it came, and only the
      // answer is held back (most old-version traffic is reads; this keeps them cheap).
      translateResponseOf(layer, route, request, undefined, response, options);
      next(request, response);
      return;
    }
    void translateExchange(layer, route, request, response, next, options).catch((error) => {
      const status = error instanceof InvalidJsonBodyError ? 400 : 500;
      if (!response.headersSent) sendJson(response, status, {}, errorBody(error));
      else response.destroy();
    });
  };
}

async function translateExchange(
  layer: CompatibilityLayer,
  route: ForwardRoute,
  request: IncomingMessage,
  response: ServerResponse,
  next: RequestListener,
  options: NodeLayerOptions,
): Promise<void> {
  const raw = await readRequestBody(request);
  const oldBody = parseJsonBody(raw, "request");
  let forwarded: Buffer | undefined;
  if (oldBody !== undefined) {
    // The translation may change the body in place: hand it a copy when it is recorded.
    const input = options.onExchange ? structuredClone(oldBody) : oldBody;
    forwarded = Buffer.from(JSON.stringify(layer.translateRequest(route, input)));
  }
  translateResponseOf(layer, route, request, oldBody, response, options);
  next(replayRequest(request, forwarded), response);
}

/** Holds the listener's answer back and sends it translated (and recorded, when asked). */
function translateResponseOf(
  layer: CompatibilityLayer,
  route: ForwardRoute,
  request: IncomingMessage,
  oldBody: unknown,
  response: ServerResponse,
  options: NodeLayerOptions,
): void {
  // The layer's headers go out with the head the collector writes: set earlier, they would turn
  // Node's writeHead onto its slower merging path for every translated answer.
  collectJsonResponse(response, route.headers, (status, body) => {
    const translated = body === undefined ? undefined : layer.translateResponse(route, body);
    options.onExchange?.({
      request: {
        method: route.method,
        url: route.url,
        headers: plainHeaders(request),
        body: oldBody,
      },
      response: {
        status,
        body: translated === undefined ? undefined : structuredClone(translated),
      },
    });
    return translated;
  });
}

/** Whether a request has a body to read (HTTP/1.1 says so by its headers). */
function carriesBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return (
    (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined
  );
}

function errorBody(error: unknown): unknown {
  const record = error as { code?: string; message?: string; hint?: string };
  return { error: { code: record.code, message: record.message, hint: record.hint } };
}

/** Sends a JSON body with a status and headers. */
export function sendJson(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
