/**
 * The compatibility layer's decisions, the same for every server (Node http, Express, Fastify):
 * which version a request asks for (path prefix, else header, else the default), whether it is
 * answered at once (an unknown version, a sunset endpoint, an old version after the layer's
 * time), which headers it gets (Deprecation, RFC 9745; Sunset, RFC 8594; Link to the
 * replacement), and the translation of its body forward and of the response back.
 */
import {
  fillEndpoint,
  matchEndpoint,
  parseEndpoint,
  type EndpointPattern,
} from "./endpoint-pattern";
import { EndpointGoneError, UnknownVersionError } from "./errors";
import type { MigrationSpec } from "./migration-spec";
import { specDurationMs } from "./spec-duration";
import type { TranslationChain } from "./translation-chain";

/** How a request goes on. */
export type LayerRoute =
  | {
      action: "forward";
      method: string;
      version: string;
      /** Whether bodies are translated (an old-version request while the layer is on). */
      translate: boolean;
      /** The path (and query) the new handler serves, without a version prefix. */
      url: string;
      /** The path without query, for endpoint matching. */
      path: string;
      /** Headers every response to it carries. */
      headers: Record<string, string>;
    }
  | { action: "respond"; status: number; headers: Record<string, string>; body: unknown };

/** The layer built from a spec. */
export interface CompatibilityLayer {
  spec: MigrationSpec;
  chain: TranslationChain;
  /** When the layer stops translating (old-version requests are then answered 410). */
  endsAt: Date;
  /** The decision for one request; `header` reads a request header (lower-case name). */
  route(method: string, url: string, header: (name: string) => string | undefined): LayerRoute;
  /** Old version's request body -> new version's (only for a translating route). */
  translateRequest(route: Extract<LayerRoute, { action: "forward" }>, body: unknown): unknown;
  /** New version's response body -> old version's (only for a translating route). */
  translateResponse(route: Extract<LayerRoute, { action: "forward" }>, body: unknown): unknown;
}

/** Options of a layer: a clock (tests move it instead of sleeping). */
export interface LayerOptions {
  now?: () => Date;
}

interface Deprecation {
  endpoint: EndpointPattern;
  replacement: EndpointPattern;
  sunset: Date;
  since: Date;
}

/** Builds the layer of a spec and its compiled chain. */
export function createCompatibilityLayer(
  spec: MigrationSpec,
  chain: TranslationChain,
  options: LayerOptions = {},
): CompatibilityLayer {
  const now = options.now ?? (() => new Date());
  const settings = spec.compatibility_layer;
  const startsAt = settings.start_date ? new Date(settings.start_date) : now();
  const endsAt = new Date(startsAt.getTime() + specDurationMs(settings.duration));
  const versions = [spec.from_version, spec.to_version];
  const headerName = spec.version.header.toLowerCase();
  const defaultVersion = spec.version.default ?? spec.from_version;
  const deprecations: Deprecation[] = spec.deprecations.map((item) => ({
    endpoint: parseEndpoint(item.endpoint),
    replacement: parseEndpoint(item.replacement),
    sunset: new Date(item.sunset_date),
    since: new Date(item.deprecated_since ?? startsAt.toISOString()),
  }));
  const normalize = (text: string): string | undefined => {
    const trimmed = text.trim();
    return versions.find((version) => version === trimmed || version === `v${trimmed}`);
  };
  const errorBody = (error: UnknownVersionError | EndpointGoneError, extra = {}) => ({
    error: { code: error.code, message: error.message, hint: error.hint },
    ...extra,
  });

  return {
    spec,
    chain,
    endsAt,
    route(method, url, header) {
      const queryAt = url.indexOf("?");
      let path = queryAt === -1 ? url : url.slice(0, queryAt);
      const query = queryAt === -1 ? "" : url.slice(queryAt);
      let asked: string | undefined;
      let prefix = "";
      if (spec.version.path_prefix) {
        const first = /^\/([^/]+)/.exec(path)?.[1];
        // Only a segment shaped like a version is one: /users stays a path.
        if (first !== undefined && (versions.includes(first) || /^v\d+(\.\d+)*$/.test(first))) {
          asked = first;
          prefix = `/${first}`;
          path = path.slice(prefix.length) || "/";
        }
      }
      asked ??= header(headerName);
      const version = asked === undefined ? defaultVersion : normalize(asked);
      if (version === undefined) {
        const error = new UnknownVersionError(asked as string, versions);
        return { action: "respond", status: 400, headers: {}, body: errorBody(error) };
      }
      const headers: Record<string, string> = { [spec.version.header]: version };
      const old = version === spec.from_version;
      const at = now();
      if (old && at.getTime() >= endsAt.getTime()) {
        const error = new EndpointGoneError(
          `API version ${version}`,
          endsAt.toISOString(),
          `${spec.to_version} (${spec.version.header}: ${spec.to_version})`,
        );
        return { action: "respond", status: 410, headers, body: errorBody(error) };
      }
      for (const deprecation of deprecations) {
        const params = matchEndpoint(deprecation.endpoint, method, path);
        if (params === undefined) continue;
        const replacement = `${prefix}${fillEndpoint(deprecation.replacement, params)}`;
        const link = `<${replacement}>; rel="successor-version"`;
        if (at.getTime() >= deprecation.sunset.getTime()) {
          const error = new EndpointGoneError(
            `${method} ${prefix}${path}`,
            deprecation.sunset.toISOString(),
            `${deprecation.replacement.method ?? method} ${replacement}`,
          );
          return {
            action: "respond",
            status: 410,
            headers: { ...headers, Link: link },
            body: errorBody(error, { replacement, sunset: deprecation.sunset.toISOString() }),
          };
        }
        headers["Deprecation"] = `@${Math.floor(deprecation.since.getTime() / 1000)}`;
        headers["Sunset"] = deprecation.sunset.toUTCString();
        headers["Link"] = link;
        break;
      }
      const translate =
        old && settings.enabled && settings.auto_translate && chain.changes.length > 0;
      return {
        action: "forward",
        method: method.toUpperCase(),
        version,
        translate,
        url: `${path}${query}`,
        path,
        headers,
      };
    },
    translateRequest(route, body) {
      return chain.forward(route.method, route.path, body);
    },
    translateResponse(route, body) {
      return chain.backward(route.method, route.path, body);
    },
  };
}
