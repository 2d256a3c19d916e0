/**
 * The two halves of handing an exchange on with other bodies: a request that carries a new body
 * in place of one already read, and a response whose JSON body is held back and replaced at its
 * end. The compatibility layer translates with them; the recorder only looks.
 */
import { IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { parseJsonBody } from "./request-body";

/** A request carrying a new body, in place of one whose body was read. */
export function replayRequest(
  original: IncomingMessage,
  body: Buffer | undefined,
): IncomingMessage {
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
 * JSON body only: anything else goes out as it was written). It sits on every translated
 * answer, so it keeps to one pass: a single string body (the common `res.end(json)`) is parsed
 * as it is, and the head goes out once, with the listener's headers and the new length.
 */
export function collectJsonResponse(
  response: ServerResponse,
  extraHeaders: Record<string, string>,
  translate: (status: number, body: unknown) => unknown,
): void {
  const originalWriteHead = response.writeHead;
  const originalEnd = response.end;
  const chunks: Array<string | Buffer> = [];
  let headHeaders: OutgoingHttpHeaders | undefined;
  const patched = response as unknown as Record<string, unknown>;
  patched.writeHead = (status: number, ...rest: unknown[]) => {
    response.statusCode = status;
    const headers = rest.find((item) => typeof item === "object" && item !== null);
    if (Array.isArray(headers)) {
      for (let index = 0; index + 1 < headers.length; index += 2) {
        response.setHeader(String(headers[index]), String(headers[index + 1]));
      }
    } else if (headers) {
      headHeaders = { ...headHeaders, ...(headers as OutgoingHttpHeaders) };
    }
    return response;
  };
  const keep = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === "string" && (encoding === undefined || typeof encoding === "function")) {
      chunks.push(chunk);
    } else if (Buffer.isBuffer(chunk)) {
      chunks.push(chunk);
    } else if (chunk instanceof Uint8Array) {
      chunks.push(Buffer.from(chunk));
    } else if (typeof chunk === "string") {
      chunks.push(Buffer.from(chunk, encoding as BufferEncoding));
    }
  };
  patched.write = (chunk: unknown, encoding?: unknown, callback?: unknown) => {
    keep(chunk, encoding);
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") (done as () => void)();
    return true;
  };
  patched.end = (chunk?: unknown, encoding?: unknown, callback?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") keep(chunk, encoding);
    const done = [chunk, encoding, callback].find((item) => typeof item === "function");
    const joined =
      chunks.length === 1 && typeof chunks[0] === "string"
        ? chunks[0]
        : Buffer.concat(
            chunks.map((part) => (typeof part === "string" ? Buffer.from(part) : part)),
          );
    const type = String(headHeaders?.["content-type"] ?? response.getHeader("content-type") ?? "");
    let out: string | Buffer = joined;
    if (type.includes("json") && joined.length > 0) {
      out = JSON.stringify(translate(response.statusCode, parseJsonBody(joined, "response")));
    } else {
      translate(response.statusCode, undefined);
    }
    const length = typeof out === "string" ? Buffer.byteLength(out) : out.length;
    // Sent here, once: end() then finds the head written and does not call writeHead again.
    const head: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headHeaders ?? {})) {
      // The listener's length (in any case) was for the body it wrote, not this one.
      const lower = name.toLowerCase();
      if (lower !== "content-length" && lower !== "transfer-encoding") head[name] = value;
    }
    originalWriteHead.call(response, response.statusCode, {
      ...head,
      ...extraHeaders,
      "content-length": length,
    });
    return originalEnd.call(response, out, "utf8", done as (() => void) | undefined);
  };
}

/** A request's headers as plain strings. */
export function plainHeaders(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
