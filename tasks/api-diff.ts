import { task } from "hardhat/config";
// The src/api commands load on use (await import): every other task's start stays free of them.
import { runApiTask } from "./api-support";

task(
  "api:diff",
  "Breaking changes between two OpenAPI documents, checked against an API migration spec",
)
  .addParam("from", "the old version's OpenAPI document (YAML or JSON)")
  .addParam("to", "the new version's OpenAPI document")
  .addOptionalParam("spec", "the API migration spec whose translations must cover every change")
  .addFlag("json", "print the findings as JSON")
  .setAction(async (args: { from: string; to: string; spec?: string; json: boolean }) =>
    runApiTask(async () => {
      const { diffApiDocuments, formatDiffReport, untranslatedError } =
        await import("../src/api/diff-command");
      const report = diffApiDocuments(args);
      if (args.json) console.log(JSON.stringify(report, null, 2));
      else for (const line of formatDiffReport(report)) console.log(line);
      const error = untranslatedError(report);
      if (error !== undefined) throw error;
    }),
  );
