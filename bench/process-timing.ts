/** Timing of whole processes for the benchmarks: medians of wall times, failures fatal. */

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Wall time of one process run in ms; a failed process stops the benchmark. */
export async function timed(
  run: () => Promise<{ code: number | null; stderr: string }>,
): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.code !== 0) throw new Error(`a timed process failed: ${result.stderr}`);
  return ms;
}
