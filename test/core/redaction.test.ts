import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { JournalWriter } from "../../src/core/journal-writer";
import { REDACTED, isSecretKey, redactSecrets, redactString } from "../../src/core/redaction";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const TX_HASH = "0x8e3b2f6d0e5a4c1b9a7d6e5f4c3b2a190817161514131211100f0e0d0c0b0a09";

describe("secret redaction", () => {
  it("redacts values under secret-looking keys, whatever their case or separators", () => {
    for (const key of [
      "privateKey",
      "PRIVATE_KEY",
      "private-key",
      "mnemonic",
      "seedPhrase",
      "clientSecret",
      "password",
      "apiKey",
      "api_key",
      "authToken",
      "Authorization",
    ]) {
      expect(isSecretKey(key), key).to.equal(true);
    }
    const { value, paths } = redactSecrets({
      signer: { privateKey: KEY, address: "0xabc" },
      list: [{ mnemonic: "test test" }],
    });
    expect(value).to.deep.equal({
      signer: { privateKey: REDACTED, address: "0xabc" },
      list: [{ mnemonic: REDACTED }],
    });
    expect(paths).to.deep.equal(["signer.privateKey", "list[0].mnemonic"]);
  });

  it("keeps transaction hashes, storage slots and other 32-byte hex under ordinary keys", () => {
    const data = {
      txHash: TX_HASH,
      hash: TX_HASH,
      slot: KEY,
      value: KEY,
      implementation: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      key: KEY,
    };
    const { value, paths } = redactSecrets(data);
    expect(value).to.deep.equal(data);
    expect(paths).to.deep.equal([]);
  });

  it("removes credentials from URLs: user:pass@, secret query parameters, RPC path keys", () => {
    expect(redactString("https://alice:s3cret@rpc.example.com/path")).to.equal(
      `https://${REDACTED}@rpc.example.com/path`,
    );
    expect(redactString("postgres://postgres:pw@127.0.0.1:5432/test")).to.equal(
      `postgres://${REDACTED}@127.0.0.1:5432/test`,
    );
    expect(redactString("https://api.example.com/v1?apikey=abc123&chain=1")).to.equal(
      `https://api.example.com/v1?apikey=${REDACTED}&chain=1`,
    );
    expect(redactString("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef")).to.equal(
      `https://mainnet.infura.io/v3/${REDACTED}`,
    );
    expect(redactString("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
  });

  it("never lets a secret reach the journal file", () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, "journal.jsonl");
      const writer = JournalWriter.create(file, { durability: "fsync" });
      const { line, redactedPaths } = writer.append({
        type: "STEP_COMPLETED",
        step: "p#s",
        output: { deployer: { privateKey: KEY }, rpc: "https://u:p@node.example", tx: TX_HASH },
        durationMs: 1,
      });
      writer.close();
      const text = fs.readFileSync(file, "utf8");
      expect(text).to.not.contain(KEY);
      expect(text).to.not.contain("u:p@");
      expect(text).to.contain(TX_HASH);
      expect(redactedPaths).to.deep.equal(["output.deployer.privateKey", "output.rpc"]);
      expect((line as { output: unknown }).output).to.deep.equal({
        deployer: { privateKey: REDACTED },
        rpc: `https://${REDACTED}@node.example`,
        tx: TX_HASH,
      });
    } finally {
      removeTempDir(dir);
    }
  });
});
