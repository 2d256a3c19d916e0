/**
 * The traffic split of a fleet behind HAProxy: weights are set through its runtime API (a Unix
 * socket; no reload, no dropped connection) and a stage's figures are read from its own
 * statistics (`show stat`), as differences from the counters at the start of the window.
 * HAProxy keeps no latency percentiles: its mean response time (`rtime`) stands in.
 */
import net from "node:net";
import { TrafficSplitError } from "./errors";
import type { StageMetrics } from "./stage-metrics";
import type { TrafficSplitPort } from "./traffic-split-port";

/** Where the balancer is and which of its servers are old and new. */
export interface HaproxySplitOptions {
  /** The stats socket (`stats socket <path> level admin`). */
  socket: string;
  backend: string;
  oldServers: readonly string[];
  newServers: readonly string[];
}

interface ServerCounters {
  responses: number;
  errors5xx: number;
  connectionErrors: number;
  responseErrors: number;
  meanMs: number;
}

/** Sends one command to HAProxy's runtime API and returns its answer. */
export function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const connection = net.createConnection(socket);
    connection.on("connect", () => connection.end(`${command}\n`));
    connection.on("data", (chunk: Buffer) => chunks.push(chunk));
    connection.on("error", (error) =>
      reject(new TrafficSplitError("haproxy", `${socket}: ${error.message}`)),
    );
    connection.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** The split over HAProxy's runtime API. */
export function createHaproxySplit(options: HaproxySplitOptions): TrafficSplitPort {
  const { socket, backend } = options;
  let windowStart: Map<string, ServerCounters> | undefined;
  const run = async (command: string) => {
    const answer = await haproxyCommand(socket, command);
    // The runtime API answers a refused command with a message instead of an empty line.
    if (/^(No such|Unknown|Require|Invalid)/m.test(answer.trim())) {
      throw new TrafficSplitError("haproxy", `${command}: ${answer.trim()}`);
    }
    return answer;
  };
  const readCounters = async (): Promise<Map<string, ServerCounters>> => {
    const csv = await run("show stat");
    const [header, ...rows] = csv.replace(/^# /, "").trim().split("\n");
    const columns = (header ?? "").split(",");
    const column = (row: string[], name: string) => Number(row[columns.indexOf(name)] || 0);
    const counters = new Map<string, ServerCounters>();
    for (const line of rows) {
      const row = line.split(",");
      if (row[0] !== backend) continue;
      counters.set(row[1] as string, {
        responses: [
          "hrsp_1xx",
          "hrsp_2xx",
          "hrsp_3xx",
          "hrsp_4xx",
          "hrsp_5xx",
          "hrsp_other",
        ].reduce((sum, name) => sum + column(row, name), 0),
        errors5xx: column(row, "hrsp_5xx"),
        connectionErrors: column(row, "econ"),
        responseErrors: column(row, "eresp"),
        meanMs: column(row, "rtime"),
      });
    }
    return counters;
  };
  const summarize = (
    names: readonly string[],
    now: Map<string, ServerCounters>,
    start: Map<string, ServerCounters>,
  ): StageMetrics => {
    let responses = 0;
    let errors = 0;
    let unavailable = 0;
    let weightedMs = 0;
    for (const name of names) {
      const current = now.get(name);
      if (current === undefined)
        throw new TrafficSplitError("haproxy", `no server ${backend}/${name} in show stat`);
      const before = start.get(name) ?? {
        responses: 0,
        errors5xx: 0,
        connectionErrors: 0,
        responseErrors: 0,
        meanMs: 0,
      };
      const served = current.responses - before.responses;
      const failed =
        current.connectionErrors -
        before.connectionErrors +
        (current.responseErrors - before.responseErrors);
      responses += served + failed;
      errors += current.errors5xx - before.errors5xx + failed;
      unavailable += failed;
      weightedMs += current.meanMs * served;
    }
    if (responses === 0) return { requests: 0, errors: 0, errorRate: 0, availability: 1 };
    return {
      requests: responses,
      errors,
      errorRate: errors / responses,
      availability: (responses - unavailable) / responses,
      meanMs: weightedMs / Math.max(1, responses - unavailable),
    };
  };
  return {
    adapter: "haproxy",
    async setWeight(percent) {
      // Weights are relative within the backend: percent on each new server, the rest on each old.
      for (const server of options.newServers)
        await run(`set server ${backend}/${server} weight ${percent}`);
      for (const server of options.oldServers)
        await run(`set server ${backend}/${server} weight ${100 - percent}`);
      windowStart = await readCounters();
    },
    async currentWeight() {
      const answer = await run(`get weight ${backend}/${options.newServers[0]}`);
      const weight = Number(/^(\d+)/.exec(answer.trim())?.[1]);
      if (!Number.isFinite(weight))
        throw new TrafficSplitError("haproxy", `get weight answered ${answer.trim()}`);
      return weight;
    },
    async metrics() {
      const now = await readCounters();
      // A session that starts after a restart measures from its first look.
      windowStart ??= now;
      return {
        new: summarize(options.newServers, now, windowStart),
        old: summarize(options.oldServers, now, windowStart),
      };
    },
  };
}
