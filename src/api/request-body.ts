import type { IncomingMessage } from "node:http";
import { InvalidJsonBodyError } from "./errors";

/** Reads a request's whole body. */
export function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Parses a JSON body (undefined for an empty one); AEGIS-E511 when it is not JSON. */
export function parseJsonBody(raw: Buffer | string, what: string): unknown {
  const text = typeof raw === "string" ? raw : raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidJsonBodyError(what);
  }
}

/** The first value of a request header. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
