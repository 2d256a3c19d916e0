/**
 * Which compiled contract a deployed runtime bytecode is. The chain's code and the build's
 * `deployedBytecode` differ, for the same source and settings, only where the compiler leaves
 * holes: immutables (written by the constructor), library addresses (written by the linker) and
 * the trailing CBOR metadata (a hash of the sources' text, comments included). Those are masked
 * before comparing; everything else must be byte for byte the same.
 */
import { ethers } from "ethers";

/** A byte range of a runtime bytecode that the comparison ignores. */
export interface MaskedRange {
  start: number;
  length: number;
}

/** A compiled contract the deployed code is compared with. */
export interface RuntimeCandidate {
  /** `path/To.sol:Name`. */
  fullyQualifiedName: string;
  contractName: string;
  /** The artifact's `deployedBytecode` (0x-prefixed; library placeholders allowed). */
  deployedBytecode: string;
  /** Immutables and library references of the runtime code, as the compiler reports them. */
  masked: MaskedRange[];
}

/** How close a candidate came, for the refusal that names the closest ones. */
export interface CandidateScore {
  contractName: string;
  fullyQualifiedName: string;
  /** Jaccard similarity of the 4-byte constants (selectors) both codes push (0..1). */
  selectorsShared: number;
  /** Share of equal bytes, position by position, over the longer of the two codes (0..1). */
  bytesAlike: number;
}

/** Bytes of a hex string; library placeholders (`__$…$__`) become zero bytes of their length. */
function bytesOf(hex: string): Uint8Array {
  const clean = hex.replace(/^0x/, "").replace(/__\$[0-9a-fA-F]{34}\$__/g, "0".repeat(40));
  return ethers.getBytes(`0x${clean}`);
}

/**
 * The length of the code without its trailing CBOR metadata: solc appends a CBOR map and its
 * length in two big-endian bytes. Code without a plausible trailer is returned whole.
 */
export function codeLengthWithoutMetadata(code: Uint8Array): number {
  if (code.length < 2) return code.length;
  const cborLength = (code[code.length - 2]! << 8) | code[code.length - 1]!;
  const start = code.length - 2 - cborLength;
  if (cborLength === 0 || start < 0) return code.length;
  // A CBOR map of one to five entries: 0xa1..0xa5 (solc writes ipfs/bzzr, solc, experimental).
  const head = code[start]!;
  return head >= 0xa1 && head <= 0xa5 ? start : code.length;
}

/** The code without metadata, with the masked ranges zeroed. */
function maskedCode(code: Uint8Array, masked: readonly MaskedRange[]): Uint8Array {
  const out = code.slice(0, codeLengthWithoutMetadata(code));
  for (const { start, length } of masked) {
    for (let i = start; i < start + length && i < out.length; i++) out[i] = 0;
  }
  return out;
}

/** Whether two runtime codes have the same length without their metadata (masks keep lengths). */
export function sameRuntimeLength(deployed: string, compiled: string): boolean {
  return (
    codeLengthWithoutMetadata(bytesOf(deployed)) === codeLengthWithoutMetadata(bytesOf(compiled))
  );
}

/** Whether two runtime codes are the same program once immutables, links and metadata are masked. */
export function sameRuntimeCode(
  deployed: string,
  compiled: string,
  masked: readonly MaskedRange[],
): boolean {
  const a = maskedCode(bytesOf(deployed), masked);
  const b = maskedCode(bytesOf(compiled), masked);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The selectors a runtime code dispatches on: the operands of PUSH4 instructions (walking the
 * opcodes so that push data is never read as code). A superset of the contract's functions, but
 * the same superset for two builds of one source, which is what a similarity needs.
 */
export function pushedSelectors(code: string): Set<string> {
  const bytes = bytesOf(code);
  const end = codeLengthWithoutMetadata(bytes);
  const found = new Set<string>();
  for (let i = 0; i < end; i++) {
    const op = bytes[i]!;
    if (op >= 0x60 && op <= 0x7f) {
      const size = op - 0x5f;
      if (op === 0x63 && i + 4 < end) found.add(ethers.hexlify(bytes.slice(i + 1, i + 5)));
      i += size;
    }
  }
  return found;
}

/** How alike a candidate is to the deployed code (for naming the closest candidates). */
export function scoreCandidate(
  deployed: string,
  candidate: RuntimeCandidate,
  ours: ReadonlySet<string> = pushedSelectors(deployed),
): CandidateScore {
  const theirs = pushedSelectors(candidate.deployedBytecode);
  const shared = [...theirs].filter((selector) => ours.has(selector)).length;
  const union = ours.size + theirs.size - shared;
  const a = maskedCode(bytesOf(deployed), candidate.masked);
  const b = maskedCode(bytesOf(candidate.deployedBytecode), candidate.masked);
  let equal = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] === b[i]) equal++;
  const longer = Math.max(a.length, b.length);
  return {
    contractName: candidate.contractName,
    fullyQualifiedName: candidate.fullyQualifiedName,
    // A candidate with functions missing and one with functions added both score below 1.
    selectorsShared: union === 0 ? 0 : shared / union,
    bytesAlike: longer === 0 ? 0 : equal / longer,
  };
}

/** The candidates ranked closest first: shared selectors, then equal bytes. */
export function closestCandidates(
  deployed: string,
  candidates: readonly RuntimeCandidate[],
  count: number,
): CandidateScore[] {
  const ours = pushedSelectors(deployed);
  return candidates
    .map((candidate) => scoreCandidate(deployed, candidate, ours))
    .sort((x, y) => y.selectorsShared - x.selectorsShared || y.bytesAlike - x.bytesAlike)
    .slice(0, count);
}
