/** What a rollout stage measured of one handler (or one group of servers). */
export interface StageMetrics {
  requests: number;
  /** Answers 5xx, and requests that got no answer. */
  errors: number;
  /** errors / requests (0 without requests). */
  errorRate: number;
  /** Share of requests answered by a live handler (not 502/503/504, not dropped). */
  availability: number;
  /** Latency percentiles in milliseconds; undefined where the source has none (HAProxy). */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** Mean latency in milliseconds. */
  meanMs?: number;
}

/** One request as a handler served it. */
export interface RequestSample {
  ms: number;
  status: number;
  /** No answer at all (the connection closed before a response). */
  dropped: boolean;
}

/** The metrics of a set of samples (nearest-rank percentiles). */
export function summarizeSamples(samples: readonly RequestSample[]): StageMetrics {
  const requests = samples.length;
  if (requests === 0) return { requests: 0, errors: 0, errorRate: 0, availability: 1 };
  let errors = 0;
  let unavailable = 0;
  let total = 0;
  const times = new Float64Array(requests);
  samples.forEach((sample, index) => {
    if (sample.dropped || sample.status >= 500) errors += 1;
    if (sample.dropped || sample.status === 502 || sample.status === 503 || sample.status === 504)
      unavailable += 1;
    times[index] = sample.ms;
    total += sample.ms;
  });
  times.sort();
  const rank = (q: number) =>
    round(times[Math.min(requests - 1, Math.ceil(q * requests) - 1)] ?? 0);
  return {
    requests,
    errors,
    errorRate: errors / requests,
    availability: (requests - unavailable) / requests,
    p50Ms: rank(0.5),
    p95Ms: rank(0.95),
    p99Ms: rank(0.99),
    meanMs: round(total / requests),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
