/**
 * Recorded old-version exchanges: the layer writes each (request and response as the old
 * client saw them) to a folder, secrets and configured fields redacted, for api:verify to
 * replay against the new version before any traffic moves.
 */
import fs from "node:fs";
import path from "node:path";
import { RecordingsInvalidError } from "./errors";
import { isJsonObject } from "./json-path";
import type { RequestListener } from "node:http";
import { collectJsonResponse, plainHeaders, replayRequest } from "./http-exchange";
import type { ObservedExchange } from "./node-http-layer";
import { parseJsonBody, readRequestBody } from "./request-body";

/** What stands in for a redacted value. */
export const REDACTED = "[REDACTED]";

/** Headers never recorded as they are, whatever the spec says. */
const SECRET_HEADERS = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
];

/** One recording as stored. */
export interface Recording {
  file: string;
  exchange: ObservedExchange;
}

/** A recorder: hand it to withCompatibilityLayer's onExchange. */
export function createRecorder(
  dir: string,
  redact: readonly string[],
): (exchange: ObservedExchange) => void {
  fs.mkdirSync(dir, { recursive: true });
  const names = new Set([...SECRET_HEADERS, ...redact].map((name) => name.toLowerCase()));
  let count = 0;
  return (exchange) => {
    count += 1;
    const file = path.join(
      dir,
      `${Date.now()}-${process.pid}-${String(count).padStart(6, "0")}.json`,
    );
    fs.writeFileSync(file, `${JSON.stringify(redactValue(exchange, names), null, 2)}\n`);
  };
}

/** A copy with every value under a listed key (any depth, any case) replaced. */
export function redactValue(value: unknown, names: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, names));
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      names.has(key.toLowerCase()) ? REDACTED : redactValue(item, names),
    ]),
  );
}

/** Reads every recording of a folder, oldest first (AEGIS-E540 for one that is not an exchange). */
export function readRecordings(dir: string): Recording[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new RecordingsInvalidError(dir, "no such folder");
  }
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch (error) {
        throw new RecordingsInvalidError(file, (error as Error).message);
      }
      const request = isJsonObject(parsed) ? parsed.request : undefined;
      const response = isJsonObject(parsed) ? parsed.response : undefined;
      if (
        !isJsonObject(request) ||
        typeof request.method !== "string" ||
        typeof request.url !== "string" ||
        !isJsonObject(response) ||
        typeof response.status !== "number"
      ) {
        throw new RecordingsInvalidError(
          file,
          "not { request: { method, url }, response: { status } }",
        );
      }
      return { file, exchange: parsed as unknown as ObservedExchange };
    });
}

/**
 * Records every exchange a listener serves (the old version's handler, before the migration):
 * the request as the client sent it and the JSON response as the client got it.
 */
export function recordExchanges(
  listener: RequestListener,
  record: (exchange: ObservedExchange) => void,
): RequestListener {
  return (request, response) => {
    void readRequestBody(request).then((raw) => {
      let body: unknown;
      try {
        body = parseJsonBody(raw, "request");
      } catch {
        body = raw.toString("utf8");
      }
      collectJsonResponse(response, {}, (status, answer) => {
        record({
          request: {
            method: request.method ?? "GET",
            url: request.url ?? "/",
            headers: plainHeaders(request),
            body,
          },
          response: { status, body: answer },
        });
        return answer;
      });
      listener(replayRequest(request, raw.length === 0 ? undefined : raw), response);
    });
  };
}
