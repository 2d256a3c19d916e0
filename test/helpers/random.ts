/** A small seeded PRNG (mulberry32): the same seed replays the same sequence of operations. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random bigint in [low, high], drawn from a PRNG. */
export function randomBigInt(random: () => number, low: bigint, high: bigint): bigint {
  const span = high - low + 1n;
  const draw = BigInt(Math.floor(random() * 2 ** 52)) * BigInt(Math.floor(random() * 2 ** 52));
  return low + (draw % span);
}
