/**
 * The program a state-override `eth_call` runs at a contract's address to read its storage (the
 * address keeps its storage; only its code is replaced for the call). It is generated for each
 * call: straight-line code with every slot and mapping key as an immediate, no loop and no
 * calldata. On the Hardhat node each executed opcode costs far more than on anvil, so every opcode
 * saved per read counts there. Measured on one machine, 20,000 reads of live slots: a loop over
 * calldata keys (12 opcodes a read) ~390 ms, this straight-line form (4 opcodes a read) ~270 ms.
 * With SLOAD swapped for a cheap opcode they took ~190 ms and ~50-100 ms: what remains, ~10 µs
 * a read, is the node's own storage lookup.
 *
 * Memory: [0, 32) holds the key being hashed, [32, 64) the mapping's slot; answers are appended
 * at MSIZE from 64 on and returned in the order the parts were given. No PUSH0 is used, so the
 * program runs on chains before Shanghai too.
 */

/** Slots read as they are. */
export interface PlainPart {
  slots: bigint[];
}

/**
 * Entries of one mapping: per key, its entry slot h = keccak256(key . base) and the values of
 * `members` consecutive slots h, h + 1, ... (a struct's members); 0 members answers h alone.
 */
export interface MappedPart {
  base: bigint;
  /** 32-byte encoded keys, 0x hex. */
  keys: string[];
  members: number;
}

export type ProgramPart = PlainPart | MappedPart;

// Opcodes, as hex text.
const SLOAD = "54";
const MSIZE = "59";
const MSTORE = "52";
const DUP1 = "80";
const ADD = "01";
const SUB = "03";
const KECCAK256 = "20";
const RETURN = "f3";
const APPEND = MSIZE + MSTORE; // memory[msize] = top of stack

/** Gas the program is charged, overestimated a little so that a packed call never runs dry. */
export const PROGRAM_GAS = {
  /** The call's intrinsic 21,000, the prologue and the epilogue. */
  call: 22_000,
  /** A cold SLOAD (2,100) and the pushes, adds and stores around it. */
  read: 2_130,
  /** Placing a key, hashing it with the mapping's slot (KECCAK256 of 64 bytes) and storing h. */
  key: 80,
  /** Placing a mapping's slot in memory. */
  part: 20,
  /** Memory of `words` answers: 3 gas a word plus words^2 / 512 (it grows quadratically). */
  memory: (words: number) => 3 * (words + 2) + ((words + 2) * (words + 2)) / 512,
} as const;

/** Code bytes of a program at most: its prologue and epilogue, per part, per slot or key. */
export const PROGRAM_BYTES = {
  frame: 12,
  part: 36,
  read: 36,
  key: (members: number) => 44 + members * 7,
} as const;

// Hex digit pairs of PUSH1..PUSH32, by immediate size.
const PUSH_OPCODES = Array.from({ length: 33 }, (_, bytes) => (0x5f + bytes).toString(16));

/**
 * The shortest PUSH of a 32-byte value written as 64 hex digits from `from` on (PUSH1 0x00 for
 * zero); `from` spares slicing off a 0x prefix first.
 */
function pushHex(text: string, from = 0): string {
  let start = from;
  const last = from + 62;
  while (start < last && text.charCodeAt(start) === 48 && text.charCodeAt(start + 1) === 48) {
    start += 2;
  }
  return PUSH_OPCODES[(last + 2 - start) / 2]! + text.slice(start, from + 64);
}

function push(value: bigint): string {
  return pushHex(value.toString(16).padStart(64, "0"));
}

const PUSH_0 = push(0n);
const PUSH_32 = push(32n);
const PUSH_64 = push(64n);

/**
 * The code run for each key of a mapping with `members` slots per entry, after the key's PUSH:
 * memory[0, 32) = key, h = keccak256(memory[0, 64)), then h and the members' values appended.
 * It is the same for every key of a mapping, so it is built once per part.
 */
function keySuffix(members: number): string {
  let code = PUSH_0 + MSTORE + PUSH_64 + PUSH_0 + KECCAK256;
  if (members === 0) return code + APPEND;
  code += DUP1 + APPEND;
  for (let member = 0; member < members; member++) {
    // Keep h on the stack for the next member; the last member consumes it.
    if (member < members - 1) code += DUP1;
    if (member > 0) code += push(BigInt(member)) + ADD;
    code += SLOAD + APPEND;
  }
  return code;
}

/** The program's code (0x hex) reading `parts`; its answers are `answerWords(parts)` words. */
export function readerProgram(parts: ProgramPart[]): string {
  // memory[32, 64) = 0 makes MSIZE 64, so the first answer lands at 64.
  const code: string[] = ["0x", PUSH_0, PUSH_32, MSTORE];
  const readAppend = SLOAD + APPEND;
  for (const part of parts) {
    if ("slots" in part) {
      for (const slot of part.slots) code.push(push(slot) + readAppend);
      continue;
    }
    code.push(push(part.base), PUSH_32, MSTORE);
    const suffix = keySuffix(part.members);
    for (const key of part.keys) code.push(pushHex(key, 2) + suffix);
  }
  // return memory[64, msize): every answer, in order.
  code.push(PUSH_64, MSIZE, SUB, PUSH_64, RETURN);
  return code.join("");
}

/** How many 32-byte words the program of `parts` answers. */
export function answerWords(parts: ProgramPart[]): number {
  let words = 0;
  for (const part of parts) {
    words += "slots" in part ? part.slots.length : part.keys.length * (part.members + 1);
  }
  return words;
}
