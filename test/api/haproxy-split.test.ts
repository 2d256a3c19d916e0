import path from "node:path";
import type { RequestListener } from "node:http";
import { expect } from "chai";
import { createCompatibilityLayer } from "../../src/api/compatibility-layer";
import { createHaproxySplit, haproxyCommand } from "../../src/api/haproxy-split";
import { loadMigrationSpec } from "../../src/api/load-migration-spec";
import { withCompatibilityLayer } from "../../src/api/node-http-layer";
import { rolloutInputOf } from "../../src/api/rollout-input";
import { startRollout } from "../../src/api/rollout-run";
import type { TrafficSplitPort } from "../../src/api/traffic-split-port";
import { createNewHandler, createOldHandler } from "../../migrations/api/service";
import { haproxyInstalled, startHaproxy, type RunningHaproxy } from "./helpers/haproxy";
import { startServer, type RunningServer } from "./helpers/http-server";
import fs from "node:fs";
import os from "node:os";

const SPEC = path.resolve(__dirname, "fixtures/rollout.yaml");

describe("api: HAProxy traffic split (runtime API weights, show stat figures)", function () {
  let haproxy: RunningHaproxy | undefined;
  const servers: RunningServer[] = [];
  let failing = false;
  let port: TrafficSplitPort;
  let clock = Date.parse("2027-01-10T00:00:00Z");

  before(async function () {
    if (!haproxyInstalled()) {
      if (process.env.CI === "true")
        throw new Error("haproxy is not installed: .ci/run installs it");
      console.warn("    ! SKIPPED: haproxy is not installed (apt-get install -y haproxy)");
      this.skip();
    }
    const loaded = loadMigrationSpec(SPEC);
    const layer = createCompatibilityLayer(loaded.spec, loaded.chain, {
      now: () => new Date(clock),
    });
    const v2 = withCompatibilityLayer(layer, createNewHandler());
    const newHandler: RequestListener = (request, response) => {
      if (!failing) return v2(request, response);
      response.writeHead(500, { "content-type": "application/json" });
      response.end('{"error":"boom"}');
    };
    servers.push(await startServer(createOldHandler()), await startServer(newHandler));
    haproxy = await startHaproxy({ old: [servers[0]!.port], new: [servers[1]!.port] });
    port = createHaproxySplit({
      socket: haproxy.socket,
      backend: haproxy.backend,
      oldServers: ["old1"],
      newServers: ["new1"],
    });
  });
  after(async () => {
    haproxy?.stop();
    for (const server of servers) await server.close();
  });

  /** Sends v1 requests through HAProxy; counts those v2 (behind the layer) answered. */
  async function send(count: number): Promise<{ byNew: number; statuses: number[] }> {
    const responses = await Promise.all(
      Array.from({ length: count }, () => fetch(`${haproxy!.url}/v1/users/1`)),
    );
    await Promise.all(responses.map((response) => response.text()));
    return {
      byNew: responses.filter((response) => response.headers.get("api-version") !== null).length,
      statuses: responses.map((response) => response.status),
    };
  }

  it("moves traffic by weight without a reload and reads each side's figures", async () => {
    await port.setWeight(0);
    expect((await send(10)).byNew).to.equal(0);
    await port.setWeight(50);
    expect(await port.currentWeight()).to.equal(50);
    const half = await send(20);
    expect(half.byNew).to.be.greaterThan(0).and.lessThan(20);
    const metrics = await port.metrics();
    expect(metrics.new.requests).to.equal(half.byNew);
    expect(metrics.old.requests).to.equal(20 - half.byNew);
    expect(metrics.new.errorRate).to.equal(0);
    await port.setWeight(100);
    expect((await send(10)).byNew).to.equal(10);
    expect(await haproxyCommand(haproxy!.socket, "get weight users/old1")).to.match(/^0 /);
    await port.setWeight(0);
  });

  it("rolls a failing new fleet back: the weights go back and old clients are served", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-haproxy-run-"));
    try {
      failing = true;
      const input = rolloutInputOf(loadMigrationSpec(SPEC), {
        layerEndsAt: "2027-05-30T00:00:00Z",
      });
      const result = await startRollout(
        { ...input, adapter: "haproxy" },
        {
          port,
          now: () => new Date(clock),
          baseDir: dir,
          durability: "none",
          waitPolicy: {
            deadline: Date.now() + 20_000,
            pollMs: 1,
            beforePoll: async () => {
              await send(20);
              clock += 60 * 60_000;
            },
          },
        },
      );
      expect(result.status).to.equal("rolled-back");
      expect(result.failure?.step).to.match(/#stage-1$/);
      expect(await port.currentWeight()).to.equal(0);
      expect(await haproxyCommand(haproxy!.socket, "get weight users/old1")).to.match(/^100 /);
      failing = false;
      const after = await send(10);
      expect(after.byNew).to.equal(0);
      expect(after.statuses.every((status) => status === 200)).to.equal(true);
    } finally {
      failing = false;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
