import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import hre from "hardhat";
import { safeUrl } from "../../../src/core/redaction";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import {
  assertRpcReachable,
  httpEndpointOf,
  rpcClient,
  RpcResponseError,
  RpcTransportError,
} from "../../../src/evm/chain/rpc";
import { startAnvilNode } from "../../helpers/anvil-node";
import { freePort, type LocalNode } from "../../helpers/local-node";
import { startKeyedRelay, type KeyedRelay } from "../../e2e/keyed-rpc-relay";

const KEYS = { pathKey: "pathKEY1", queryKey: "queryKEY2", user: "alice", userKey: "pa ss:3" };

/** Catches what a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

describe("the JSON-RPC client (chain/rpc.ts)", () => {
  let node: LocalNode;
  let relay: KeyedRelay;
  /** The relay's URL with the user key percent-encoded, as a user writes it in a URL. */
  let keyed: string;

  before(async () => {
    node = await startAnvilNode();
    relay = await startKeyedRelay(node.url, KEYS);
    const port = new URL(relay.origin).port;
    keyed = `http://${KEYS.user}:${encodeURIComponent(KEYS.userKey)}@127.0.0.1:${port}/v2/${KEYS.pathKey}?apikey=${KEYS.queryKey}`;
  });
  after(async () => {
    await relay?.stop();
    await node?.stop();
  });

  it("moves user info into an Authorization: Basic header and keeps the path and the query", () => {
    const endpoint = httpEndpointOf("https://bob:s%40cret@rpc.example.com/v2/k?apikey=q");
    expect(endpoint.url).to.equal("https://rpc.example.com/v2/k?apikey=q");
    expect(endpoint.headers).to.deep.equal({
      authorization: `Basic ${Buffer.from("bob:s@cret").toString("base64")}`,
    });
    expect(httpEndpointOf("http://127.0.0.1:8545")).to.deep.equal({
      url: "http://127.0.0.1:8545",
      headers: {},
    });
  });

  it("reaches a provider that wants its key in the path, the query and the user info, and shows only safeUrl", async () => {
    const client = rpcClient(keyed);
    expect(client.label).to.equal(safeUrl(keyed));
    expect(await client.send("eth_chainId", [])).to.equal("0x7a69");
    const outcomes = await client.batch([
      { method: "eth_chainId", params: [] },
      { method: "no_such_method", params: [] },
      { method: "eth_blockNumber", params: [] },
    ]);
    expect(outcomes[0]!.result).to.equal("0x7a69");
    expect(outcomes[1]!.error?.message).to.be.a("string");
    expect(outcomes[2]!.result).to.match(/^0x/);
    expect(relay.refused()).to.deep.equal([]);

    const error = await rejection(client.send("no_such_method", []));
    expect(error).to.be.instanceOf(RpcResponseError);
  });

  it("cuts a batch into bodies by count and size, sends them concurrently and keeps the order", async () => {
    const client = rpcClient(keyed);
    const served = relay.served();
    const calls = Array.from({ length: 25 }, (_, index) => ({
      method: "eth_getStorageAt",
      params: ["0x0000000000000000000000000000000000000001", `0x${index.toString(16)}`, "latest"],
    }));
    const outcomes = await client.batch(calls, { maxPerBody: 10, concurrency: 2 });
    expect(relay.served() - served).to.equal(3);
    expect(outcomes.map((outcome) => outcome.result)).to.deep.equal(
      calls.map(() => `0x${"0".repeat(64)}`),
    );
    const small = relay.served();
    // A body limit that fits two requests at most.
    await client.batch(calls.slice(0, 6), { maxBodyBytes: 300 });
    expect(relay.served() - small).to.equal(3);
  });

  it("names the endpoint only by safeUrl when it refuses or is down", async () => {
    const secrets = [KEYS.pathKey, KEYS.queryKey, encodeURIComponent(KEYS.userKey), KEYS.userKey];
    const wrongKey = keyed.replace(KEYS.pathKey, "wrongKEY");
    const refused = await rejection(rpcClient(wrongKey).send("eth_chainId", []));
    expect(refused).to.be.instanceOf(RpcTransportError);
    expect(refused.message).to.contain(safeUrl(wrongKey)).and.to.contain("HTTP 401");

    const down = keyed.replace(new URL(keyed).port, String(await freePort()));
    const unreachable = await rejection(
      rpcClient(down).batch([{ method: "eth_chainId", params: [] }]),
    );
    expect(unreachable.message)
      .to.contain(safeUrl(down))
      .and.to.match(/ECONNREFUSED/);

    const e300 = (await rejection(
      assertRpcReachable(rpcClient(down), "mainnet", down),
    )) as Error & {
      code: string;
    };
    expect(e300.code).to.equal(EVM_ERROR_CODES.RPC_UNREACHABLE);
    expect(e300.message).to.contain(`network mainnet (${safeUrl(down)}) is unreachable`);
    for (const error of [refused, unreachable, e300])
      for (const secret of secrets) expect(error.message).to.not.contain(secret);
  });

  it("asks a read again when the node dropped its connection, and a write never", async () => {
    // No real node drops a connection on demand: this server closes the first socket of each
    // request kind unanswered, then relays to the real node.
    const dropped = new Map<string, number>();
    const server = http.createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        const method = /"method":"([^"]+)"/.exec(body)?.[1] ?? "";
        if (!dropped.has(method)) {
          dropped.set(method, 1);
          incoming.socket.destroy();
          return;
        }
        void fetch(node.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).then(async (answer) => outgoing.end(await answer.text()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = rpcClient(url);
      expect(await client.send("eth_chainId", [])).to.equal("0x7a69");
      const [outcome] = await client.batch([{ method: "eth_blockNumber", params: [] }]);
      expect(outcome!.result).to.match(/^0x/);
      const write = await rejection(client.send("eth_sendRawTransaction", ["0x00"]));
      expect(write).to.be.instanceOf(RpcTransportError);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("sends a batch to an in-process provider concurrently, one outcome per call", async () => {
    const client = rpcClient(hre.network.provider);
    expect(client.label).to.equal("in-process");
    const outcomes = await client.batch([
      { method: "eth_chainId", params: [] },
      { method: "no_such_method", params: [] },
    ]);
    expect(outcomes[0]!.result).to.equal("0x7a69");
    expect(outcomes[1]!.error?.message).to.be.a("string");
  });
});
