/**
 * The compatibility layer in front of a Node `http` request listener that serves the new
 * version. An old-version request's JSON body is translated forward and handed to the listener
 * as a fresh request; the listener's JSON response is collected, translated back and sent.
 * Requests that need no translation go straight through, untouched.
 */
import { IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { CompatibilityLayer, LayerRoute } from "./compatibility-layer";
import { InvalidJsonBodyError } from "./errors";
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
    for (const [name, value] of Object.entries(route.headers)) response.setHeader(name, value);
    request.url = route.url;
    if (!route.translate) {
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
  collectJsonResponse(response, (status, body) => {
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
  next(replayRequest(request, forwarded), response);
}

/** A request carrying a new body, in place of one whose body was read. */
function replayRequest(original: IncomingMessage, body: Buffer | undefined): IncomingMessage {
  const copy = new IncomingMessage(original.socket);
  copy.method = original.method;
  copy.url = original.url;
  copy.httpVersion = original.httpVersion;
  copy.httpVersionMajor = original.httpVersionMajor;
  copy.httpVersionMinor = original.httpVersionMinor;
  copy.headers = { ...original.headers };
  if (body === undefined) {
    delete copy.headers["content-length"];
  } else {
    copy.headers["content-length"] = String(body.length);
    delete copy.headers["transfer-encoding"];
    copy.push(body);
  }
  copy.push(null);
  // An IncomingMessage destroyed before it is complete destroys its socket (Node treats it as
  // aborted): this one holds its whole body already.
  copy.complete = true;
  return copy;
}

/**
 * Holds back what the listener writes and, at its end, sends the translated body instead (a
 * JSON body only: anything else goes out as it was written).
 */
function collectJsonResponse(
  response: ServerResponse,
  translate: (status: number, body: unknown) => unknown,
): void {
  const originalWriteHead = response.writeHead.bind(response);
  const originalEnd = response.end.bind(response);
  const chunks: Buffer[] = [];
  const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
    Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(
          chunk as string,
          typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
        );
  const patched = response as unknown as Record<string, unknown>;
  patched.writeHead = (status: number, ...rest: unknown[]) => {
    response.statusCode = status;
    const headers = rest.find((item) => typeof item === "object" && item !== null);
    if (Array.isArray(headers)) {
      for (let index = 0; index + 1 < headers.length; index += 2) {
        response.setHeader(String(headers[index]), String(headers[index + 1]));
      }
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        response.setHeader(name, value as string | string[]);
      }
    }
    return response;
  };
  patched.write = (chunk: unknown, encoding?: unknown, callback?: unknown) => {
    chunks.push(toBuffer(chunk, encoding));
    const done = [encoding, callback].find((item) => typeof item === "function");
    if (done) (done as () => void)();
    return true;
  };
  patched.end = (chunk?: unknown, encoding?: unknown, callback?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") {
      chunks.push(toBuffer(chunk, encoding));
    }
    patched.writeHead = originalWriteHead;
    delete patched.write;
    delete patched.end;
    let out = Buffer.concat(chunks);
    const type = String(response.getHeader("content-type") ?? "");
    if (type.includes("json") && out.length > 0) {
      const body = parseJsonBody(out, "response");
      out = Buffer.from(JSON.stringify(translate(response.statusCode, body)));
      response.setHeader("content-length", out.length);
    } else {
      translate(response.statusCode, undefined);
    }
    const done = [chunk, encoding, callback].find((item) => typeof item === "function");
    return originalEnd(out, done as (() => void) | undefined);
  };
}

function plainHeaders(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
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
