/**
 * The block in which a contract got its code, found by bisecting eth_getCode over history: about
 * log2(blocks) calls. Event scans (role grants) start there instead of at genesis, which a public
 * node would refuse or take minutes to answer.
 */
import type { Provider } from "ethers";

// One answer per (node, address, block): a resolution asks for the same timelock's three roles.
const known = new WeakMap<Provider, Map<string, Promise<number>>>();

/** The first block at which `address` has code (at or before `latest`); 0 when it always had. */
export function creationBlockOf(
  provider: Provider,
  address: string,
  latest: number,
): Promise<number> {
  let answers = known.get(provider);
  if (answers === undefined) known.set(provider, (answers = new Map()));
  const key = `${address.toLowerCase()}@${latest}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = bisect(provider, address, latest);
    answer.catch(() => answers.delete(key));
    answers.set(key, answer);
  }
  return answer;
}

async function bisect(provider: Provider, address: string, latest: number): Promise<number> {
  let low = 0;
  let high = latest;
  if ((await provider.getCode(address, 0)) !== "0x") return 0;
  // Invariant: no code at `low`, code at `high`.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if ((await provider.getCode(address, middle)) === "0x") low = middle;
    else high = middle;
  }
  return high;
}
