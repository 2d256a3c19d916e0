import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import {
  isReadOnlyMethod,
  isTransportFailure,
  withTransportRetry,
} from "../../../src/evm/chain/transport-retry";
import { catchAsync } from "../../core/helpers/catch-error";

/** A JSON-RPC server on 127.0.0.1 that drops the connection of its first `drops` requests. */
async function flakyServer(drops: number) {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      seen.push(method);
      if (seen.length <= drops) {
        request.socket.destroy();
        return;
      }
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
    });
    return ((await response.json()) as { result: string }).result;
  };
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { seen, call, close };
}

describe("a read whose connection dropped is asked again; a write is not", () => {
  it("tells reads from writes", () => {
    for (const method of [
      "eth_call",
      "eth_getStorageAt",
      "eth_getTransactionReceipt",
      "eth_chainId",
    ])
      expect(isReadOnlyMethod(method), method).to.equal(true);
    for (const method of [
      "eth_sendRawTransaction",
      "eth_sendTransaction",
      "evm_mine",
      "hardhat_setCode",
    ])
      expect(isReadOnlyMethod(method), method).to.equal(false);
  });

  it("tells a dropped connection from the node's answer", () => {
    expect(isTransportFailure(new Error("other side closed"))).to.equal(true);
    expect(
      isTransportFailure(new Error("fetch failed", { cause: { code: "ECONNRESET" } })),
    ).to.equal(true);
    expect(isTransportFailure(new Error("execution reverted"))).to.equal(false);
    expect(isTransportFailure(new Error("nonce too low"))).to.equal(false);
  });

  it("answers a read after the server dropped its first two connections", async () => {
    const server = await flakyServer(2);
    try {
      expect(
        await withTransportRetry("eth_blockNumber", () => server.call("eth_blockNumber")),
      ).to.equal("0x2a");
      expect(server.seen).to.deep.equal(["eth_blockNumber", "eth_blockNumber", "eth_blockNumber"]);
    } finally {
      await server.close();
    }
  });

  it("sends a write once and gives its transport error to the caller (a resume reconciles it)", async () => {
    const server = await flakyServer(1);
    try {
      const error = await catchAsync(
        withTransportRetry("eth_sendRawTransaction", () => server.call("eth_sendRawTransaction")),
      );
      expect(isTransportFailure(error)).to.equal(true);
      expect(server.seen).to.deep.equal(["eth_sendRawTransaction"]);
    } finally {
      await server.close();
    }
  });

  it("gives up on a read after its last attempt", async () => {
    const server = await flakyServer(10);
    try {
      const error = await catchAsync(
        withTransportRetry("eth_call", () => server.call("eth_call"), [0, 0]),
      );
      expect(isTransportFailure(error)).to.equal(true);
      expect(server.seen).to.have.length(3);
    } finally {
      await server.close();
    }
  });
});
