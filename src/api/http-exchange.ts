/**
 * The two halves of handing an exchange on with other bodies: a request that carries a new body
 * in place of one already read, and a response whose JSON body is held back and replaced at its
 * end. The compatibility layer translates with them; the recorder only looks.
 */
import { IncomingMessage, type ServerResponse } from "node:http";
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
 * JSON body only: anything else goes out as it was written).
 */
export function collectJsonResponse(
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

/** A request's headers as plain strings. */
export function plainHeaders(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
