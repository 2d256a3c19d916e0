/**
 * An account list of the generic preset found in the contract's events rather than written by
 * hand: every address that the named arguments of an event held (the `from` and `to` of every
 * Transfer are a token's holders), so that `balanceOf(holders)` covers whoever holds the token.
 */
import { ethers, type Provider } from "ethers";
import { InvalidPresetConfigError } from "../errors";

/** Where an account list comes from: a Solidity event signature and its address arguments. */
export interface EventAccountSource {
  /** e.g. `event Transfer(address indexed from, address indexed to, uint256 value)` */
  event: string;
  /** Names of the event's address arguments whose values are the accounts. */
  args: string[];
}

/** Parses the source's event; AEGIS-E344 naming `key` when it or an argument is unusable. */
export function parseEventAccountSource(key: string, source: EventAccountSource) {
  let fragment: ethers.EventFragment;
  try {
    fragment = ethers.EventFragment.from(source.event);
  } catch (error) {
    const reason = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    throw new InvalidPresetConfigError(
      key,
      `${source.event} is not an event signature (${reason})`,
    );
  }
  for (const arg of source.args) {
    const input = fragment.inputs.find((candidate) => candidate.name === arg);
    if (input === undefined) {
      const names = fragment.inputs.map((candidate) => candidate.name).filter((n) => n !== "");
      throw new InvalidPresetConfigError(
        key,
        `${fragment.format()} has no argument named ${arg} (it has ${names.join(", ") || "no named ones"})`,
      );
    }
    if (input.type !== "address") {
      throw new InvalidPresetConfigError(
        key,
        `${arg} of ${fragment.format()} is ${input.type}, not an address`,
      );
    }
  }
  return fragment;
}

/**
 * The accounts the source's event named at `address` between two blocks, inclusive: checksummed,
 * each once, in order of address; the zero address (a mint's `from`, a burn's `to`) left out.
 */
export async function findEventAccounts(
  provider: Provider,
  address: string,
  fragment: ethers.EventFragment,
  args: string[],
  fromBlock: number,
  toBlock: number,
): Promise<string[]> {
  const iface = new ethers.Interface([fragment]);
  const logs = await provider.getLogs({
    address,
    topics: [fragment.topicHash],
    fromBlock,
    toBlock,
  });
  const found = new Set<string>();
  for (const log of logs) {
    const values = iface.decodeEventLog(fragment, log.data, log.topics);
    for (const arg of args) {
      const account = ethers.getAddress(String(values.getValue(arg)));
      if (account !== ethers.ZeroAddress) found.add(account);
    }
  }
  return [...found].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}
