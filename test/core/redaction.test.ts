import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { JournalWriter } from "../../src/core/journal-writer";
import {
  REDACTED,
  isSecretKey,
  redactSecrets,
  redactString,
  safeUrl,
  urlFingerprint,
} from "../../src/core/redaction";
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

  it("shows a URL only as scheme://host:port and a fingerprint: no user info, path, query or fragment", () => {
    const fp = (url: string) => urlFingerprint(url);
    expect(fp("https://a.example/x")).to.match(/^[0-9a-f]{8}$/);
    for (const [url, shown] of [
      ["https://alice:s3cret@rpc.example.com/path", "https://rpc.example.com:443"],
      ["postgres://postgres:pw@127.0.0.1:5432/test", "postgres://127.0.0.1:5432"],
      ["https://api.example.com/v1?apikey=abc123&chain=1", "https://api.example.com:443"],
      [
        "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
        "https://mainnet.infura.io:443",
      ],
      ["https://rpc.ankr.com/eth/k3y", "https://rpc.ankr.com:443"],
      ["http://127.0.0.1:8545/#frag", "http://127.0.0.1:8545"],
    ] as const) {
      expect(safeUrl(url)).to.equal(`${shown} #${fp(url)}`);
      expect(redactString(`node ${url} failed`)).to.equal(`node ${shown} #${fp(url)} failed`);
    }
    // A bare origin holds nothing secret and stays as it is; the rule is idempotent.
    expect(redactString("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    const once = redactString("(https://u:p@h.example/k?x=1).");
    expect(once).to.equal(`(https://h.example:443 #${fp("https://u:p@h.example/k?x=1")}).`);
    expect(redactString(once)).to.equal(once);
    // Inside an escaped quote the URL ends before the backslash, which stays.
    expect(redactString('said \\"http://h.example/k\\"')).to.equal(
      `said \\"http://h.example:80 #${fp("http://h.example/k")}\\"`,
    );
    expect(safeUrl("not a url")).to.equal(`<not a url> #${fp("not a url")}`);
    expect(redactString("see ?apikey=abc123")).to.equal(`see ?apikey=${REDACTED}`);
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
        rpc: safeUrl("https://u:p@node.example"),
        tx: TX_HASH,
      });
    } finally {
      removeTempDir(dir);
    }
  });
});
