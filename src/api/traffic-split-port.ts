import type { StageMetrics } from "./stage-metrics";

/**
 * How a rollout moves traffic between the old and the new handler, the same for one process
 * (the in-process split) and for a fleet behind a load balancer (HAProxy): three methods, so
 * that another balancer is one more adapter.
 */
export interface TrafficSplitPort {
  /** The adapter's name, for reports ("in-process", "haproxy"). */
  readonly adapter: string;
  /** Sends `percent` (0-100) of the requests to the new handler; starts a new measurement window. */
  setWeight(percent: number): Promise<void>;
  /** The percent the split sends to the new handler now. */
  currentWeight(): Promise<number>;
  /** What each side served since the window started (the last setWeight, or this session's start). */
  metrics(): Promise<{ new: StageMetrics; old: StageMetrics }>;
}
