import path from "node:path";
import type { RequestListener } from "node:http";
import { expect } from "chai";
import { createCompatibilityLayer } from "../../src/api/compatibility-layer";
import { parseMigrationSpec } from "../../src/api/migration-spec";
import { withCompatibilityLayer } from "../../src/api/node-http-layer";
import { buildTranslationChain } from "../../src/api/translation-chain";
import { requestJson, startServer, type RunningServer } from "./helpers/http-server";

const SPEC = `
api_migration:
  name: items-v2
  from_version: v1
  to_version: v2
  breaking_changes:
    - { field: item.title, change: renamed, translation: { rename: { to: name } } }
    - { field: item.full, change: split, translation: { split: { into: [first, last] } } }
    - { field: item.joined, change: joined, translation: { join: { from: [a, b], separator: "-" } } }
    - { field: item.currency, change: new required input, translation: { default: { value: EUR } } }
    - field: item.state
      change: values renamed
      translation: { map_values: { values: { "on": enabled, "off": disabled } } }
    - { field: item.city, change: moved, translation: { move: { to: item.address.city } } }
    - { field: item.legacy, change: removed, translation: { remove: { restore: n/a } } }
    - field: item.price
      change: cents
      translation: { module: ./translations.ts, export: priceInCents }
  compatibility_layer: { enabled: true, duration: 30d, auto_translate: true }
`;

describe("api: every declarative translation, both ways, over HTTP", () => {
  let server: RunningServer;
  const received: unknown[] = [];

  before(async () => {
    const spec = parseMigrationSpec(SPEC, "items.yaml");
    const chain = buildTranslationChain(spec, path.join(__dirname, "fixtures"));
    const layer = createCompatibilityLayer(spec, chain);
    // A v2 service that keeps what it was sent and answers it back as its own.
    const echo: RequestListener = (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        received.push(body);
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      });
    };
    server = await startServer(withCompatibilityLayer(layer, echo));
  });
  after(() => server.close());

  it("translates a v1 request forward through the chain and the v2 answer back", async () => {
    const v1Item = {
      title: "Lamp",
      full: "Ada Lovelace",
      a: "x",
      b: "y",
      state: "on",
      city: "Paris",
      legacy: "old",
      price: 12.5,
    };
    const response = await requestJson(`${server.url}/v1/items`, {
      method: "POST",
      body: { item: v1Item },
    });
    expect(received.at(-1)).to.deep.equal({
      item: {
        name: "Lamp",
        first: "Ada",
        last: "Lovelace",
        joined: "x-y",
        currency: "EUR",
        state: "enabled",
        address: { city: "Paris" },
        price_cents: 1250,
      },
    });
    // Back: everything as v1 had it, the removed field restored with the spec's value.
    expect(response.body).to.deep.equal({ item: { ...v1Item, legacy: "n/a" } });
  });

  it("leaves a v2 client's body untouched, and a v1 body without the fields alone", async () => {
    const v2 = await requestJson(`${server.url}/v2/items`, {
      method: "POST",
      body: { item: { name: "Desk", state: "disabled" } },
    });
    expect(received.at(-1)).to.deep.equal({ item: { name: "Desk", state: "disabled" } });
    expect(v2.body).to.deep.equal({ item: { name: "Desk", state: "disabled" } });
    const partial = await requestJson(`${server.url}/v1/items`, {
      method: "POST",
      body: { other: 1 },
    });
    expect(received.at(-1)).to.deep.equal({ other: 1 });
    expect(partial.body).to.deep.equal({ other: 1 });
  });

  it("keeps a value a map does not list, and translates each element of a list", async () => {
    const response = await requestJson(`${server.url}/v1/items`, {
      method: "POST",
      body: [{ item: { state: "maybe", full: "Grace Hopper" } }, { item: { state: "off" } }],
    });
    expect(received.at(-1)).to.deep.equal([
      { item: { state: "maybe", first: "Grace", last: "Hopper", currency: "EUR" } },
      { item: { state: "disabled", currency: "EUR" } },
    ]);
    // The removed field comes back on every item, as v1 clients always had it.
    expect(response.body).to.deep.equal([
      { item: { state: "maybe", full: "Grace Hopper", legacy: "n/a" } },
      { item: { state: "off", legacy: "n/a" } },
    ]);
  });
});
