/**
 * The consumer check before any traffic moves: every recorded old-version exchange is sent
 * again, as a real HTTP request from an old client, through the translation chain to the new
 * handler, and what comes back is compared with what the old client got, field by field.
 */
import http, { type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { createCompatibilityLayer } from "./compatibility-layer";
import { diffJson, type FieldDifference } from "./json-diff";
import type { LoadedSpec } from "./load-migration-spec";
import { withCompatibilityLayer } from "./node-http-layer";
import { REDACTED, type Recording } from "./recordings";

/** One recording whose replay differs. */
export interface ReplayDifference {
  file: string;
  endpoint: string;
  differences: FieldDifference[];
}

/** The check's result. */
export interface VerifyReport {
  replayed: number;
  differing: number;
  results: ReplayDifference[];
  firstDifference?: string;
}

/** Replays recordings through the layer against the new handler, on a server of its own. */
export async function verifyRecordings(
  loaded: LoadedSpec,
  recordings: readonly Recording[],
  newHandler: RequestListener,
  now: () => Date = () => new Date(),
): Promise<VerifyReport> {
  const layer = createCompatibilityLayer(loaded.spec, loaded.chain, { now });
  const server = http.createServer(withCompatibilityLayer(layer, newHandler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: ReplayDifference[] = [];
  try {
    for (const { file, exchange } of recordings) {
      const { request, response } = exchange;
      const headers: Record<string, string> = {
        [loaded.spec.version.header]: loaded.spec.from_version,
      };
      // A recording keeps "no body" as null or leaves it out; GET and HEAD never carry one.
      const hasBody =
        request.body !== undefined &&
        request.body !== null &&
        !["GET", "HEAD"].includes(request.method);
      if (hasBody) headers["content-type"] = "application/json";
      const reply = await fetch(`${base}${request.url}`, {
        method: request.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      });
      const text = await reply.text();
      const body = text === "" ? undefined : (JSON.parse(text) as unknown);
      const differences = [
        ...(reply.status === response.status
          ? []
          : [{ field: "(status)", expected: response.status, actual: reply.status }]),
        ...diffJson(response.body, body, REDACTED),
      ];
      if (differences.length > 0) {
        results.push({ file, endpoint: `${request.method} ${request.url}`, differences });
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const first = results[0];
  const firstField = first?.differences[0];
  return {
    replayed: recordings.length,
    differing: results.length,
    results,
    ...(first && firstField
      ? {
          firstDifference: `${first.endpoint} ${firstField.field}: recorded ${JSON.stringify(firstField.expected)}, replayed ${JSON.stringify(firstField.actual)}`,
        }
      : {}),
  };
}
