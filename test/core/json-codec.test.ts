import { expect } from "chai";

import {
  canonicalStringify,
  decodeJournalValue,
  encodeJournalValue,
  journalValuesEqual,
  parseJournalValue,
  stringifyJournalValue,
} from "../../src/core/json-codec";
import { catchError } from "./helpers/catch-error";

function roundTrip(value: unknown): unknown {
  return parseJournalValue(stringifyJournalValue(value));
}

function codeOf(fn: () => unknown): string | undefined {
  return catchError(fn)?.code;
}

describe("journal value codec", () => {
  it("round-trips bigints of any size and sign, nested in objects and arrays", () => {
    const value = {
      zero: 0n,
      negative: -123456789012345678901234567890n,
      huge: 2n ** 256n - 1n,
      list: [1n, { inner: 10n ** 30n }],
      plain: { n: 1.5, s: "text", b: true, nil: null },
    };
    expect(roundTrip(value)).to.deep.equal(value);
  });

  it("round-trips bytes (Uint8Array and Buffer) as Uint8Array", () => {
    const value = { data: new Uint8Array([0, 1, 254, 255]), buffer: Buffer.from("ab", "utf8") };
    const back = roundTrip(value) as { data: Uint8Array; buffer: Uint8Array };
    expect(back.data).to.be.instanceOf(Uint8Array);
    expect([...back.data]).to.deep.equal([0, 1, 254, 255]);
    expect([...back.buffer]).to.deep.equal([0x61, 0x62]);
    expect(stringifyJournalValue(value)).to.equal(
      '{"data":{"$bytes":"0x0001feff"},"buffer":{"$bytes":"0x6162"}}',
    );
  });

  it("escapes user objects that look like tags, so they come back unchanged", () => {
    const value = { a: { $bigint: "12" }, b: { $bytes: "0x00" }, c: { $obj: { x: 1n } } };
    expect(roundTrip(value)).to.deep.equal(value);
    expect(decodeJournalValue(encodeJournalValue({ $bigint: "5" }) as never)).to.deep.equal({
      $bigint: "5",
    });
  });

  it("keeps a __proto__ key as data instead of changing the prototype", () => {
    const value = JSON.parse('{"__proto__":{"polluted":1n}}'.replace("1n", "1")) as Record<
      string,
      unknown
    >;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.keys(back)).to.deep.equal(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it("drops undefined object fields, as JSON does", () => {
    expect(roundTrip({ a: 1, b: undefined })).to.deep.equal({ a: 1 });
  });

  it("refuses values it cannot store faithfully, naming where they are (AEGIS-E112)", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const bad of [
      { at: new Date(0) },
      { m: new Map() },
      { n: Number.NaN },
      { n: Infinity },
      [1, undefined],
      { f: () => 1 },
      { s: Symbol("x") },
      circular,
      undefined,
    ]) {
      expect(
        codeOf(() => encodeJournalValue(bad)),
        String(bad),
      ).to.equal("AEGIS-E112");
    }
    const error = catchError(() => encodeJournalValue({ outer: { list: [0, new Date(0)] } }));
    expect(error?.message).to.contain("outer.list[1]");
  });

  it("serializes canonically: key order does not matter, values do", () => {
    expect(canonicalStringify({ b: 1, a: { d: 2n, c: [3] } })).to.equal(
      canonicalStringify({ a: { c: [3], d: 2n }, b: 1 }),
    );
    expect(canonicalStringify({ a: 1n })).to.not.equal(canonicalStringify({ a: 1 }));
    expect(journalValuesEqual({ x: [1n, 2n] }, { x: [1n, 2n] })).to.equal(true);
    expect(journalValuesEqual({ x: [1n, 2n] }, { x: [2n, 1n] })).to.equal(false);
  });

  it("writes the canonical text it always wrote: plan hashes in journals depend on it", () => {
    const value = {
      z: [1, -0, 2.5e-7, 'é"\n\u2028', null, true],
      "10": { b: 2n, a: new Uint8Array([0, 255]) },
      "9": false,
      $bigint: { x: 1 },
      "": [[], {}],
      Ω: "\ud83d\ude00",
    };
    expect(canonicalStringify(value)).to.equal(
      '{"":[[],{}],"$bigint":{"x":1},"10":{"a":{"$bytes":"0x00ff"},"b":{"$bigint":"2"}},' +
        '"9":false,"z":[1,0,2.5e-7,"é\\"\\n\u2028",null,true],"Ω":"\ud83d\ude00"}',
    );
  });
});
