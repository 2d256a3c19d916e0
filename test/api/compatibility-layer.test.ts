import path from "node:path";
import { expect } from "chai";
import { createCompatibilityLayer } from "../../src/api/compatibility-layer";
import { API_ERROR_CODES } from "../../src/api/error-codes";
import { loadMigrationSpec } from "../../src/api/load-migration-spec";
import { withCompatibilityLayer } from "../../src/api/node-http-layer";
import { createNewHandler } from "../../migrations/api/service";
import { requestJson, startServer, type JsonBody, type RunningServer } from "./helpers/http-server";

const SPEC = path.resolve(__dirname, "../../migrations/api/user-v2.yaml");

describe("api: compatibility layer on a Node http server", () => {
  let clock = new Date("2027-01-15T00:00:00Z");
  let server: RunningServer;

  before(async () => {
    const loaded = loadMigrationSpec(SPEC);
    const layer = createCompatibilityLayer(loaded.spec, loaded.chain, { now: () => clock });
    server = await startServer(withCompatibilityLayer(layer, createNewHandler()));
  });
  after(() => server.close());
  beforeEach(() => {
    clock = new Date("2027-01-15T00:00:00Z");
  });

  it("serves a v2 client the v2 shape and a v1 client the v1 shape, from one service", async () => {
    const v2 = await requestJson(`${server.url}/v2/users/1`);
    expect(v2.status).to.equal(200);
    expect(v2.body.user).to.include({
      first_name: "Ada",
      last_name: "Lovelace",
      status: "enabled",
    });
    expect(v2.body.user).to.not.have.property("name");
    expect(v2.headers.get("api-version")).to.equal("v2");

    const v1 = await requestJson(`${server.url}/v1/users/1`);
    expect(v1.status).to.equal(200);
    expect(v1.body.user).to.deep.equal({
      id: 1,
      name: "Ada Lovelace",
      email: "ada@example.org",
      status: "active",
    });
  });

  it("resolves the version from the header, and old clients that name none get v1", async () => {
    const byHeader = await requestJson(`${server.url}/users/2`, {
      headers: { "API-Version": "2" },
    });
    expect(byHeader.body.user).to.include({ first_name: "Alan", status: "disabled" });
    const unnamed = await requestJson(`${server.url}/users/2`);
    expect(unnamed.body.user).to.include({ name: "Alan Turing", status: "inactive" });
    const list = await requestJson(`${server.url}/users`, { headers: { "API-Version": "v1" } });
    expect(list.body.users.map((user: { name: string }) => user.name)).to.include.members([
      "Ada Lovelace",
      "Alan Turing",
    ]);
  });

  it("translates a v1 request forward (split, map values) and its response back", async () => {
    const created = await requestJson(`${server.url}/v1/users`, {
      method: "POST",
      body: {
        user: { name: "Grace Brewster Hopper", email: "grace@example.org", status: "inactive" },
      },
    });
    expect(created.status).to.equal(201);
    expect(created.body.user).to.include({ name: "Grace Brewster Hopper", status: "inactive" });
    // What the service stored is v2: read it back as a v2 client.
    const stored = await requestJson(`${server.url}/v2/users/${created.body.user.id}`);
    expect(stored.body.user).to.include({
      first_name: "Grace",
      last_name: "Brewster Hopper",
      status: "disabled",
    });
  });

  it("answers an unknown version with 400 and its code", async () => {
    const byPath = await requestJson(`${server.url}/v7/users/1`);
    expect(byPath.status).to.equal(400);
    expect(byPath.body.error.code).to.equal(API_ERROR_CODES.UNKNOWN_VERSION);
    const byHeader = await requestJson(`${server.url}/users/1`, {
      headers: { "API-Version": "v3" },
    });
    expect(byHeader.status).to.equal(400);
  });

  it("answers a body that is not JSON with 400 instead of translating it", async () => {
    const response = await fetch(`${server.url}/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as JsonBody).error.code).to.equal(
      API_ERROR_CODES.INVALID_JSON_BODY,
    );
  });

  it("marks a deprecated endpoint with Deprecation, Sunset and Link before its sunset", async () => {
    const response = await requestJson(`${server.url}/v1/users/1/profile`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("deprecation")).to.equal(
      `@${Date.parse("2026-12-01T00:00:00Z") / 1000}`,
    );
    expect(response.headers.get("sunset")).to.equal("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(response.headers.get("link")).to.equal('</v1/users/1>; rel="successor-version"');
    const other = await requestJson(`${server.url}/v1/users/1`);
    expect(other.headers.get("deprecation")).to.equal(null);
  });

  it("answers 410 after the sunset date, saying where to go", async () => {
    clock = new Date("2027-06-30T00:00:00Z");
    const response = await requestJson(`${server.url}/v2/users/1/profile`);
    expect(response.status).to.equal(410);
    expect(response.body.error.code).to.equal(API_ERROR_CODES.ENDPOINT_GONE);
    expect(response.body.replacement).to.equal("/v2/users/1");
    expect(response.headers.get("link")).to.equal('</v2/users/1>; rel="successor-version"');
    clock = new Date("2027-06-29T23:59:59Z");
    expect((await requestJson(`${server.url}/v2/users/1/profile`)).status).to.equal(200);
  });

  it("keeps v1 on while the layer's duration lasts, and answers 410 after it", async () => {
    // start_date 2026-12-01 + 180d
    clock = new Date("2027-05-29T23:59:59Z");
    expect((await requestJson(`${server.url}/v1/users/1`)).status).to.equal(200);
    clock = new Date("2027-05-30T00:00:00Z");
    const gone = await requestJson(`${server.url}/v1/users/1`);
    expect(gone.status).to.equal(410);
    expect(gone.body.error.code).to.equal(API_ERROR_CODES.ENDPOINT_GONE);
    expect((await requestJson(`${server.url}/v2/users/1`)).status).to.equal(200);
  });
});
