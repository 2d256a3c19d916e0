import path from "node:path";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import {
  createCompatibilityLayer,
  type CompatibilityLayer,
} from "../../src/api/compatibility-layer";
import { API_ERROR_CODES } from "../../src/api/error-codes";
import { expressCompatibility } from "../../src/api/express-adapter";
import { fastifyCompatibility } from "../../src/api/fastify-adapter";
import { loadMigrationSpec } from "../../src/api/load-migration-spec";
import { requestJson } from "./helpers/http-server";

const SPEC = path.resolve(__dirname, "../../migrations/api/user-v2.yaml");

/** The example's v2 routes, as each framework's users would write them. */
interface V2User {
  id: number;
  first_name: string;
  last_name: string;
  status: string;
}
const ADA: V2User = { id: 1, first_name: "Ada", last_name: "Lovelace", status: "enabled" };

function layerAt(iso: string): CompatibilityLayer {
  const loaded = loadMigrationSpec(SPEC);
  return createCompatibilityLayer(loaded.spec, loaded.chain, { now: () => new Date(iso) });
}

/** v1 and v2 clients against one app, the same checks for every framework. */
function sharedChecks(base: () => string, created: () => unknown[]) {
  it("answers a v1 client in v1 and a v2 client in v2", async () => {
    const v1 = await requestJson(`${base()}/v1/users/1`);
    expect(v1.body).to.deep.equal({ user: { id: 1, name: "Ada Lovelace", status: "active" } });
    const v2 = await requestJson(`${base()}/users/1`, { headers: { "API-Version": "v2" } });
    expect(v2.body).to.deep.equal({ user: ADA });
  });

  it("translates a v1 body forward to the route and its answer back", async () => {
    const response = await requestJson(`${base()}/v1/users`, {
      method: "POST",
      body: { user: { name: "Grace Brewster Hopper", status: "inactive" } },
    });
    expect(created().at(-1)).to.deep.equal({
      user: { first_name: "Grace", last_name: "Brewster Hopper", status: "disabled" },
    });
    expect(response.status).to.equal(201);
    expect(response.body).to.deep.equal({
      user: { id: 3, name: "Grace Brewster Hopper", status: "inactive" },
    });
  });

  it("marks the deprecated endpoint and answers an unknown version with 400", async () => {
    const profile = await requestJson(`${base()}/v1/users/1/profile`);
    expect(profile.status).to.equal(200);
    expect(profile.headers.get("sunset")).to.equal("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(profile.headers.get("link")).to.equal('</v1/users/1>; rel="successor-version"');
    expect(profile.headers.get("deprecation")).to.match(/^@\d+$/);
    const unknown = await requestJson(`${base()}/v9/users/1`);
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal(API_ERROR_CODES.UNKNOWN_VERSION);
  });
}

describe("api: Express adapter", () => {
  const created: unknown[] = [];
  let server: import("node:http").Server;
  let base = "";
  before(async () => {
    const app = express();
    app.use(expressCompatibility(layerAt("2027-01-15T00:00:00Z")));
    app.use(express.json());
    app.get("/users/:id", (request, response) => {
      response.json({ user: { ...ADA, id: Number(request.params.id) } });
    });
    app.get("/users/:id/profile", (_request, response) => {
      response.json({ user: ADA });
    });
    app.post("/users", (request, response) => {
      created.push(request.body);
      response.status(201).json({ user: { id: 3, ...request.body.user } });
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  sharedChecks(
    () => base,
    () => created,
  );

  it("answers 410 after the sunset, through the middleware", async () => {
    const app = express();
    app.use(expressCompatibility(layerAt("2027-07-01T00:00:00Z")));
    app.get("/users/:id/profile", (_request, response) => {
      response.json({ user: ADA });
    });
    const late = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => late.once("listening", () => resolve()));
    try {
      const url = `http://127.0.0.1:${(late.address() as AddressInfo).port}`;
      const gone = await requestJson(`${url}/v2/users/1/profile`);
      expect(gone.status).to.equal(410);
      expect(gone.body.replacement).to.equal("/v2/users/1");
    } finally {
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });
});

describe("api: Fastify adapter", () => {
  const created: unknown[] = [];
  let app: FastifyInstance;
  let base = "";
  before(async () => {
    const compatibility = fastifyCompatibility(layerAt("2027-01-15T00:00:00Z"));
    app = Fastify({ rewriteUrl: compatibility.rewriteUrl });
    compatibility.install(app);
    app.get("/users/:id", async (request) => ({
      user: { ...ADA, id: Number((request.params as { id: string }).id) },
    }));
    app.get("/users/:id/profile", async () => ({ user: ADA }));
    app.post("/users", async (request, reply) => {
      created.push(request.body);
      reply.code(201);
      return { user: { id: 3, ...(request.body as { user: object }).user } };
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  after(() => app.close());
  sharedChecks(
    () => base,
    () => created,
  );

  it("answers 410 after the sunset, from its onRequest hook", async () => {
    const compatibility = fastifyCompatibility(layerAt("2027-07-01T00:00:00Z"));
    const late = Fastify({ rewriteUrl: compatibility.rewriteUrl });
    compatibility.install(late);
    late.get("/users/:id/profile", async () => ({ user: ADA }));
    try {
      const url = await late.listen({ port: 0, host: "127.0.0.1" });
      const gone = await requestJson(`${url}/v2/users/1/profile`);
      expect(gone.status).to.equal(410);
      expect(gone.body.error.code).to.equal(API_ERROR_CODES.ENDPOINT_GONE);
      expect(gone.body.replacement).to.equal("/v2/users/1");
      // By July 2027 the layer's 180 days are over too: v1 itself is retired.
      const retired = await requestJson(`${url}/v1/users/1`);
      expect(retired.status).to.equal(410);
      expect(retired.body.error.message).to.include("API version v1");
    } finally {
      await late.close();
    }
  });
});
