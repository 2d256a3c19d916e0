/**
 * Opens the traffic split a spec's rollout names: the in-process split (the service's old and
 * new handlers, the new one behind the compatibility layer, served on the spec's address for
 * as long as the command runs) or HAProxy in front of a fleet.
 */
import http from "node:http";
import { createCompatibilityLayer } from "./compatibility-layer";
import { InvalidRolloutOptionError } from "./errors";
import { createHaproxySplit } from "./haproxy-split";
import { createInProcessSplit } from "./in-process-split";
import type { LoadedSpec } from "./load-migration-spec";
import { withCompatibilityLayer } from "./node-http-layer";
import { loadServiceModule } from "./service-module";
import type { TrafficSplitPort } from "./traffic-split-port";

/** An open split: its port, where it serves, and how to close it. */
export interface OpenTraffic {
  port: TrafficSplitPort;
  /** One line for people: where the traffic is. */
  where: string;
  close(): Promise<void>;
}

/** Opens the split; `initialPercent` is where the run left the traffic (a resume). */
export async function openTraffic(
  loaded: LoadedSpec,
  initialPercent: number,
  now: () => Date,
): Promise<OpenTraffic> {
  const traffic = loaded.spec.rollout?.traffic;
  if (traffic === undefined) {
    throw new InvalidRolloutOptionError("rollout.traffic", "the spec names no traffic split");
  }
  if (traffic.adapter === "haproxy") {
    return {
      port: createHaproxySplit({
        socket: traffic.socket,
        backend: traffic.backend,
        oldServers: traffic.old_servers,
        newServers: traffic.new_servers,
      }),
      where: `HAProxy backend ${traffic.backend} (${traffic.socket})`,
      close: async () => {},
    };
  }
  const service = loadServiceModule(loaded.dir, traffic.service);
  const layer = createCompatibilityLayer(loaded.spec, loaded.chain, { now });
  const split = createInProcessSplit(
    {
      old: service.createOldHandler(),
      new: withCompatibilityLayer(layer, service.createNewHandler()),
    },
    initialPercent,
  );
  const server = http.createServer(split.listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new InvalidRolloutOptionError("rollout.traffic.port", `cannot listen: ${error.message}`),
      ),
    );
    server.listen(traffic.port, traffic.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : traffic.port;
  return {
    port: split.port,
    where: `in-process split on http://${traffic.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
