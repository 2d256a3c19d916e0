import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RequestListener } from "node:http";
import { createCompatibilityLayer } from "../../../src/api/compatibility-layer";
import { createInProcessSplit } from "../../../src/api/in-process-split";
import { loadMigrationSpec } from "../../../src/api/load-migration-spec";
import { withCompatibilityLayer } from "../../../src/api/node-http-layer";
import { rolloutInputOf } from "../../../src/api/rollout-input";
import type { RolloutRunDeps } from "../../../src/api/rollout-run";
import type { Awaiting } from "../../../src/core/wait-signal";
import { createNewHandler, createOldHandler } from "../../../migrations/api/service";
import { startServer, type RunningServer } from "./http-server";

/**
 * A rollout of the example service on a real server: v1 clients send blocks of requests
 * through the in-process split while a fake clock moves through the observation windows.
 */
export async function rolloutFixture(
  options: { failFromStage?: number; initialPercent?: number } = {},
) {
  const loaded = loadMigrationSpec(path.join(__dirname, "../fixtures/rollout.yaml"));
  let clock = Date.parse("2027-01-10T00:00:00Z");
  const now = () => new Date(clock);
  const layer = createCompatibilityLayer(loaded.spec, loaded.chain, { now });
  const v2 = withCompatibilityLayer(layer, createNewHandler());
  let failing = false;
  const newHandler: RequestListener = (request, response) => {
    if (!failing) return v2(request, response);
    response.writeHead(500, { "content-type": "application/json" });
    response.end('{"error":"boom"}');
  };
  const split = createInProcessSplit(
    { old: createOldHandler(), new: newHandler },
    options.initialPercent,
  );
  const server: RunningServer = await startServer(split.listener);
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-rollout-"));
  const answers: number[] = [];
  const names: string[] = [];
  /** Sends a block of v1 requests, as old clients would. */
  const sendBlock = async (count: number) => {
    const responses = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        fetch(`${server.url}/v1/users/${1 + (index % 2)}`).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { user?: { name?: string } },
        })),
      ),
    );
    for (const { status, body } of responses) {
      answers.push(status);
      if (body.user?.name !== undefined) names.push(body.user.name);
    }
  };
  const stagesSeen: number[] = [];
  const beforePoll = async (awaiting: Awaiting) => {
    const stage = Number(awaiting.condition?.stage ?? 0);
    if (!stagesSeen.includes(stage)) stagesSeen.push(stage);
    if (options.failFromStage !== undefined && stage >= options.failFromStage) failing = true;
    await sendBlock(20);
    clock += 60 * 60_000;
  };
  const input = rolloutInputOf(loaded, { layerEndsAt: layer.endsAt.toISOString() });
  const deps = (withPolicy: boolean, port = split.port): RolloutRunDeps => ({
    port,
    now,
    baseDir,
    durability: "none",
    ...(withPolicy ? { waitPolicy: { deadline: Date.now() + 20_000, pollMs: 1, beforePoll } } : {}),
  });
  return {
    loaded,
    input,
    split,
    server,
    baseDir,
    answers,
    names,
    stagesSeen,
    deps,
    sendBlock,
    async close() {
      await server.close();
      fs.rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
