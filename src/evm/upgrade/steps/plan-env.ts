import type { DeploymentRecord } from "../../chain/deployment-record";
import type { UpgradePlanDeps, UpgradePlanInput } from "../plan-input";

/** What every step of the checklist is built from. */
export interface PlanEnv {
  input: UpgradePlanInput;
  deps: UpgradePlanDeps;
  /** The proxy's deployment record as it is on disk now (steps update it as the chain moves). */
  readRecord(): DeploymentRecord;
}
