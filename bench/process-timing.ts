/** Shared by the benchmarks: medians, wall times of whole processes, and how a bench exits. */

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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

/** Runs a benchmark's main; a failure prints its stack and exits non-zero. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
