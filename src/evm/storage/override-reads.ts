/**
 * The fast path of the storage reader: `eth_call`s with a state override that gives the target's
 * address the code of a reader program (the address keeps its storage). A round of reads becomes
 * a few calls (see call-packing.ts), sent as one JSON-RPC batch; each call answers its parts' words
 * in order, which are unpacked into the plain values and each group's entry slots and values.
 */
import type { RpcCall } from "../chain/rpc";
import { StorageReadError } from "../layout-errors";
import { packCalls, type CallLimits, type PackedPart } from "./call-packing";
import { answerWords, readerProgram, type ProgramPart } from "./reader-program";
import type { MappedGroup, MappedResult, StorageReader } from "./storage-reader";

/** The `eth_call` that runs the program of `parts` at `address`, with `gas`. */
export function programCall(
  address: string,
  parts: ProgramPart[],
  blockTag: string,
  gas: bigint,
): RpcCall {
  const code = readerProgram(parts);
  const gasHex = `0x${gas.toString(16)}`;
  // Address, block tag, gas and code are plain hex: JSON needs no escaping for them, and writing
  // the params once spares serialising (and copying) a program of hundreds of kilobytes again.
  return {
    method: "eth_call",
    params: [{ to: address, gas: gasHex }, blockTag, { [address]: { code } }],
    paramsJson: `[{"to":"${address}","gas":"${gasHex}"},"${blockTag}",{"${address}":{"code":"${code}"}}]`,
  };
}

/**
 * Unpacks one call's answer (0x and 64 hex digits a word) into `out`: plain values appended in
 * order, each mapping part's entry slots (kept as text, as a snapshot records them) and values
 * written at its group's keys. Throws AEGIS-E324 when the answer is not the words expected.
 */
export function unpackAnswer(
  parts: PackedPart[],
  answer: unknown,
  out: MappedResult,
  label: string,
): void {
  const expected = answerWords(parts);
  if (typeof answer !== "string" || answer.length !== 2 + expected * 64) {
    throw new StorageReadError(
      label,
      `reader program returned ${String(answer).slice(0, 20)}…, not ${expected} words`,
    );
  }
  let at = 2;
  const word = () => BigInt(`0x${answer.slice((at += 64) - 64, at)}`);
  for (const part of parts) {
    if ("slots" in part) {
      for (let k = 0; k < part.slots.length; k++) out.values.push(word());
      continue;
    }
    const target = out.groups[part.group]!;
    const { members } = part;
    for (let k = part.from; k < part.from + part.keys.length; k++) {
      target.slots[k] = `0x${answer.slice(at, (at += 64))}`;
      for (let j = 0; j < members; j++) target.values[k * members + j] = word();
    }
  }
}

/** Reads `slots` and `groups` into `out` with reader-program calls sent in one batch. */
export async function readMappedByOverride(
  batch: StorageReader["batch"],
  request: { address: string; slots: bigint[]; groups: MappedGroup[]; blockTag: string },
  limits: CallLimits,
  label: string,
  out: MappedResult,
): Promise<MappedResult> {
  const { address, blockTag } = request;
  const calls = packCalls(request.slots, request.groups, limits, label);
  // One batch: sending the calls as parallel HTTP requests was measured slower on both nodes.
  const answers = await batch(
    calls.map((parts) => programCall(address, parts, blockTag, limits.callGas)),
  );
  answers.forEach((answer, index) => unpackAnswer(calls[index]!, answer, out, label));
  return out;
}
