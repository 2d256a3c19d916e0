import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Whether the haproxy binary is on PATH. */
export function haproxyInstalled(): boolean {
  return spawnSync("haproxy", ["-v"], { stdio: "ignore" }).status === 0;
}

/** A port free on 127.0.0.1 right now (the system picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** HAProxy in front of weighted servers on 127.0.0.1, started as a daemon and stopped by PID. */
export interface RunningHaproxy {
  url: string;
  socket: string;
  backend: string;
  stop(): void;
}

/** Starts HAProxy with a stats socket at admin level; the new servers start at weight 0. */
export async function startHaproxy(servers: {
  old: number[];
  new: number[];
}): Promise<RunningHaproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-haproxy-"));
  const port = await freePort();
  const socket = path.join(dir, "admin.sock");
  const pidfile = path.join(dir, "haproxy.pid");
  const lines = [
    "global",
    `  stats socket ${socket} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 10s",
    "  timeout server 10s",
    "frontend api",
    `  bind 127.0.0.1:${port}`,
    "  default_backend users",
    "backend users",
    "  balance roundrobin",
    ...servers.old.map((p, i) => `  server old${i + 1} 127.0.0.1:${p} weight 100`),
    ...servers.new.map((p, i) => `  server new${i + 1} 127.0.0.1:${p} weight 0`),
  ];
  const config = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(config, `${lines.join("\n")}\n`);
  execFileSync("haproxy", ["-D", "-p", pidfile, "-f", config], { stdio: "pipe" });
  // The daemon writes its pidfile and opens the socket as it starts: wait for both.
  for (
    let tries = 0;
    tries < 200 && !(fs.existsSync(pidfile) && fs.existsSync(socket));
    tries += 1
  ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const pid = Number(fs.readFileSync(pidfile, "utf8").trim());
  return {
    url: `http://127.0.0.1:${port}`,
    socket,
    backend: "users",
    stop() {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
