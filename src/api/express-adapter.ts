/**
 * The compatibility layer as Express middleware. Mount it before the routes (`app.use`): it
 * answers unknown versions and sunset endpoints itself, strips the version from the path,
 * translates an old client's JSON body forward (read here, or the one express.json() parsed)
 * and wraps res.json so that the answer goes back translated. Only Express's types are
 * imported: a project that does not use Express does not load it.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { CompatibilityLayer } from "./compatibility-layer";
import { InvalidJsonBodyError } from "./errors";
import { headerValue, parseJsonBody, readRequestBody } from "./request-body";

/** The middleware for one layer. */
export function expressCompatibility(layer: CompatibilityLayer): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const route = layer.route(request.method, request.url, (name) =>
      headerValue(request.headers[name]),
    );
    if (route.action === "respond") {
      response.status(route.status).set(route.headers).json(route.body);
      return;
    }
    response.set(route.headers);
    request.url = route.url;
    if (!route.translate) {
      next();
      return;
    }
    const json = response.json.bind(response);
    response.json = (body: unknown) =>
      // The route's object may be shared (a cache, a constant): translate a copy of it.
      json(body === undefined ? body : layer.translateResponse(route, structuredClone(body)));
    const withBody = (body: unknown) => {
      if (body !== undefined) request.body = layer.translateRequest(route, body);
      next();
    };
    if (request.body !== undefined || request.readableEnded) {
      withBody(request.body);
      return;
    }
    // Read here, the stream is finished, and express.json() after this middleware skips it.
    readRequestBody(request)
      .then((raw) => withBody(parseJsonBody(raw, "request")))
      .catch((error: unknown) => {
        if (error instanceof InvalidJsonBodyError) {
          response
            .status(400)
            .json({ error: { code: error.code, message: error.message, hint: error.hint } });
        } else next(error);
      });
  };
}
