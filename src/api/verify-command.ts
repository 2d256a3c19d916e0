/**
 * What `api:verify` does, as a plain function: replay a folder of recorded old-version
 * exchanges against the spec's new handler (its service module) and list every difference.
 */
import path from "node:path";
import { EXIT_CODES, type ExitCode } from "../core/exit-codes";
import { ServiceModuleError } from "./errors";
import type { LoadedSpec } from "./load-migration-spec";
import { readRecordings } from "./recordings";
import { loadServiceModule, type ServiceModule } from "./service-module";
import { verifyRecordings, type VerifyReport } from "./verify-recordings";

/** The service module of a spec's in-process traffic (AEGIS-E541 when it names none). */
export function serviceOfSpec(loaded: LoadedSpec): ServiceModule {
  const traffic = loaded.spec.rollout?.traffic;
  if (traffic?.adapter !== "in-process") {
    throw new ServiceModuleError(
      loaded.file,
      "the spec's rollout.traffic names no service module (adapter in-process, service: ./file.ts)",
    );
  }
  return loadServiceModule(loaded.dir, traffic.service);
}

/** The recordings check of a spec, as the rollout's first checkpoint runs it. */
export function recordingsCheckOf(
  loaded: LoadedSpec,
  now: () => Date,
): (() => Promise<VerifyReport>) | undefined {
  const folder = loaded.spec.rollout?.recordings;
  if (folder === undefined) return undefined;
  return async () =>
    verifyRecordings(
      loaded,
      readRecordings(path.resolve(loaded.dir, folder)),
      serviceOfSpec(loaded).createNewHandler(),
      now,
    );
}

/** Replays and prints; 0 when every exchange answers the same, 1 otherwise. */
export async function runVerifyCommand(
  loaded: LoadedSpec,
  recordingsDir: string,
  print: (line: string) => void,
  now: () => Date = () => new Date(),
): Promise<{ exitCode: ExitCode; report: VerifyReport }> {
  const recordings = readRecordings(recordingsDir);
  const report = await verifyRecordings(
    loaded,
    recordings,
    serviceOfSpec(loaded).createNewHandler(),
    now,
  );
  print(
    `API verify · ${loaded.spec.from_version} recordings against ${loaded.spec.to_version}: ${report.replayed} replayed, ${report.differing} differ`,
  );
  for (const result of report.results) {
    print(`  ✖ ${result.endpoint} (${path.basename(result.file)})`);
    for (const difference of result.differences) {
      print(
        `      ${difference.field}: recorded ${JSON.stringify(difference.expected)}, now ${JSON.stringify(difference.actual)}`,
      );
    }
  }
  return { exitCode: report.differing === 0 ? EXIT_CODES.done : EXIT_CODES.failed, report };
}
