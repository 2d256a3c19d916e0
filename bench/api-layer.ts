/**
 * The compatibility layer's cost: autocannon drives the example service directly on v2 and
 * through the layer as a v1 client (translated both ways), in the same run, against the same
 * service process. Prints requests per second and p99 latency of each and the ratio; the goal
 * is at least 85% of the direct throughput.
 *
 *   npm run bench:api [-- seconds rounds]        (default 4 s per case, best of 3 rounds)
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";

const SECONDS = Number(process.argv[2] ?? 4);
// Rounds alternate direct and layered, and each side keeps its best: a busy machine (other
// processes, a CI neighbour) then slows both sides alike instead of whichever ran at the time.
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 10;
const GOAL = 0.85;

interface Case {
  name: string;
  path: string;
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
}

type Measured = Awaited<ReturnType<ReturnType<typeof measurer>>>;

/** The service's CPU time and requests served so far. */
function askUsage(child: ChildProcess): Promise<{ cpuMicros: number; served: number }> {
  return new Promise((resolve) => {
    child.once("message", (message) => resolve(message as { cpuMicros: number; served: number }));
    child.send("usage");
  });
}

function measurer(child: ChildProcess) {
  return async (port: number, request: Case) => {
    const before = await askUsage(child);
    const result = await load(port, request);
    const after = await askUsage(child);
    const cpuPerRequest =
      (after.cpuMicros - before.cpuMicros) / Math.max(1, after.served - before.served);
    return { ...result, cpuPerRequest };
  };
}

async function load(port: number, request: Case) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${request.path}`,
    method: request.method ?? "GET",
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(request.body === undefined
      ? {}
      : {
          body: request.body,
          headers: { "content-type": "application/json", ...request.headers },
        }),
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const child = fork(path.join(__dirname, "fixtures/api-service.ts"), [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
  });
  const ports = await new Promise<{ direct: number; layered: number }>((resolve) =>
    child.once("message", (message) => resolve(message as { direct: number; layered: number })),
  );
  const measure = measurer(child);
  try {
    const pairs: Array<{ label: string; direct: Case; layered: Case }> = [
      {
        label: "GET one user",
        direct: { name: "v2 direct", path: "/users/1" },
        layered: { name: "v1 via layer", path: "/v1/users/1" },
      },
      {
        label: "GET the list",
        direct: { name: "v2 direct", path: "/users" },
        layered: { name: "v1 via layer", path: "/v1/users" },
      },
    ];
    // A warm-up of each, so that neither side pays for the JIT in its figures.
    await measure(ports.direct, { name: "warm-up", path: "/users/1" });
    await measure(ports.layered, { name: "warm-up", path: "/v1/users/1" });
    console.log(
      `autocannon, ${CONNECTIONS} connections, ${SECONDS}s per case, best of ${ROUNDS} alternating rounds`,
    );
    const best = (a: Measured | undefined, b: Measured) =>
      a === undefined || b.rps > a.rps ? b : a;
    for (const pair of pairs) {
      let direct: Measured | undefined;
      let layered: Measured | undefined;
      for (let round = 0; round < ROUNDS; round += 1) {
        direct = best(direct, await measure(ports.direct, pair.direct));
        layered = best(layered, await measure(ports.layered, pair.layered));
      }
      if (direct === undefined || layered === undefined) return;
      const ratio = layered.rps / direct.rps;
      // What a saturated service would keep: the direct CPU cost per request over the layered one.
      const cpuRatio = direct.cpuPerRequest / layered.cpuPerRequest;
      console.log(
        `${pair.label.padEnd(14)} direct v2 ${direct.rps.toFixed(0)} req/s p99 ${direct.p99} ms ` +
          `${direct.cpuPerRequest.toFixed(0)} µs CPU/req | ` +
          `v1 via layer ${layered.rps.toFixed(0)} req/s p99 ${layered.p99} ms ` +
          `${layered.cpuPerRequest.toFixed(0)} µs CPU/req | ` +
          `throughput ratio ${(ratio * 100).toFixed(1)}% ${ratio >= GOAL ? "(goal met)" : "(below the 85% goal)"}, ` +
          `CPU ratio ${(cpuRatio * 100).toFixed(1)}%` +
          (direct.errors + layered.errors > 0 ? ` errors ${direct.errors}/${layered.errors}` : ""),
      );
    }
  } finally {
    child.kill();
  }
}

void main();
