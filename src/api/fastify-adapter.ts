/**
 * The compatibility layer for Fastify. Fastify routes before its hooks run, so the version is
 * taken off the path by `rewriteUrl` (pass it to `fastify({ rewriteUrl })`), and `install`
 * adds the hooks: answering unknown versions and sunset endpoints, translating the parsed body
 * forward before the handler and the payload back before serialization. Only Fastify's types
 * are imported.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, RawServerDefault } from "fastify";
import type { CompatibilityLayer, LayerRoute } from "./compatibility-layer";
import { headerValue } from "./request-body";

/** What an app built with the layer needs: the URL rewrite and the hooks. */
export interface FastifyCompatibility {
  rewriteUrl(request: IncomingMessage): string;
  install(app: FastifyInstance<RawServerDefault>): void;
}

/** The Fastify adapter of one layer. */
export function fastifyCompatibility(layer: CompatibilityLayer): FastifyCompatibility {
  // The decision is taken once, in rewriteUrl, and read again by the hooks.
  const routes = new WeakMap<IncomingMessage, LayerRoute>();
  return {
    rewriteUrl(request) {
      const route = layer.route(request.method ?? "GET", request.url ?? "/", (name) =>
        headerValue(request.headers[name]),
      );
      routes.set(request, route);
      return route.action === "forward" ? route.url : (request.url ?? "/");
    },
    install(app) {
      app.addHook("onRequest", async (request, reply) => {
        const route = routes.get(request.raw);
        if (route === undefined) return;
        reply.headers(route.headers);
        if (route.action === "respond") return reply.code(route.status).send(route.body);
      });
      app.addHook("preHandler", async (request) => {
        const route = routes.get(request.raw);
        if (route?.action === "forward" && route.translate && request.body !== undefined) {
          request.body = layer.translateRequest(route, request.body);
        }
      });
      app.addHook("preSerialization", async (request, _reply, payload: unknown) => {
        const route = routes.get(request.raw);
        if (route?.action !== "forward" || !route.translate || payload === undefined)
          return payload;
        return layer.translateResponse(route, structuredClone(payload));
      });
    },
  };
}
