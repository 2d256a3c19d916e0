import { ethers } from "ethers";
import { takeSnapshot } from "./src/evm/snapshot";
import type { StorageReader } from "./src/evm/storage-reader";
import fs from "node:fs";
const layout = JSON.parse("{"+fs.readFileSync("/tmp/dump.json","utf8").split("\n}\n{")[1]);
const reader: StorageReader = {
  endpoint: "fake", mode: "override",
  async read(_a, slots) { return slots.map((_, i) => BigInt(i + 1)); },
  async hashPairs(_a, pairs) { return pairs.map((p) => BigInt(ethers.keccak256(ethers.concat([p.key, ethers.toBeHex(p.slot, 32)])))); },
  async batch(calls) { return calls.map((c) => c.method === "eth_getBlockByNumber" ? { hash: "0x00", timestamp: "0x1" } : "0x1"); },
};
const addr = (t: string, i: number) => ethers.getAddress(ethers.dataSlice(ethers.id(`${t}-${i}`), 12));
(async () => {
  const lenders = Array.from({ length: 5000 }, (_, i) => addr("l", i));
  const vaults = Array.from({ length: 5000 }, (_, i) => addr("v", i));
  for (let k = 0; k < 3; k++) {
  const t = performance.now();
  const s = await takeSnapshot({ endpoint: reader, address: "0x" + "11".repeat(20), layout, blockNumber: 1,
    mappingKeys: { "erc7201:openzeppelin.storage.ERC20:_balances": lenders, vaults } });
  console.log(s.entries.length, (performance.now() - t).toFixed(0), "ms");
  }
})();
