import { task } from "hardhat/config";
import { runApiTask } from "./api-support";

task(
  "api:verify",
  "Replays recorded old-version exchanges through the translation chain against the new version",
)
  .addParam("spec", "the API migration spec (YAML); its rollout.traffic.service is the new handler")
  .addParam("recordings", "the folder of recorded exchanges (JSON, one per file)")
  .addFlag("json", "print the report as JSON")
  .setAction(async (args: { spec: string; recordings: string; json: boolean }) =>
    runApiTask(async () => {
      const { loadMigrationSpec } = await import("../src/api/load-migration-spec");
      const { runVerifyCommand } = await import("../src/api/verify-command");
      const { exitCode, report } = await runVerifyCommand(
        loadMigrationSpec(args.spec),
        args.recordings,
        (line) => (args.json ? console.error : console.log)(line),
      );
      if (args.json) console.log(JSON.stringify(report, null, 2));
      process.exitCode = exitCode;
    }),
  );
