import { task, types } from "hardhat/config";
import { parseDuration } from "../src/core/duration";
import { StopRequest } from "../src/core/stop-request";
import { writeRunReports } from "../src/report/write-run-reports";
import { apiBaseDir, runApiTask } from "./api-support";
import { createRunRenderer } from "./render-run";
import { RUN_STOP_WORDING, stopOnSignals } from "./stop-signals";

task(
  "api:rollout",
  "Staged rollout of an API version: traffic moves by stages, a tripped trigger rolls it back",
)
  .addOptionalParam("spec", "the API migration spec (YAML)")
  .addOptionalParam("resume", "resume the run with this id")
  .addOptionalParam(
    "timeScale",
    "multiply every stage's window (e.g. 0.001: an hour becomes 3.6 s)",
    undefined,
    types.float,
  )
  .addOptionalParam("wait", "how long to keep watching observation windows (e.g. 10m, 8h)", "8h")
  .addFlag("noWait", "do not watch: leave the run waiting at its first window (exit code 3)")
  .addFlag("json", "print engine events as JSON lines")
  .setAction(
    async (
      args: {
        spec?: string;
        resume?: string;
        timeScale?: number;
        wait: string;
        noWait: boolean;
        json: boolean;
      },
      hre,
    ) =>
      runApiTask(async () => {
        const stop = new StopRequest();
        const print = (line: string) => (args.json ? console.error : console.log)(line);
        const restore = stopOnSignals(stop, (line) => console.error(line), RUN_STOP_WORDING);
        try {
          const { runRolloutCommand } = await import("../src/api/rollout-command");
          process.exitCode = await runRolloutCommand(
            {
              ...(args.spec === undefined ? {} : { spec: args.spec }),
              ...(args.resume === undefined ? {} : { resume: args.resume }),
              ...(args.timeScale === undefined ? {} : { timeScale: args.timeScale }),
              ...(args.noWait ? {} : { watchMs: parseDuration(args.wait, "--wait") }),
            },
            {
              baseDir: apiBaseDir(hre),
              writeReports: writeRunReports,
              onEvent: createRunRenderer(args.json, (line) => console.log(line)),
              print,
              stop,
            },
          );
        } finally {
          restore();
        }
      }),
  );
