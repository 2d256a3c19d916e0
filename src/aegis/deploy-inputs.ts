/** The checks that refuse a deployment before anything is compiled or sent. */
import fs from "node:fs";
import { ethers } from "ethers";
import { deploymentRecordPath } from "../evm/chain/deployment-record";
import { InvalidAddressError, InvalidProxyKindError, RecordExistsError } from "../evm/errors";
import { ENGINE_RECORD_NAME } from "./constants";

/** The inputs of a deployment that can be wrong. */
export interface DeployInputs {
  networkName: string;
  isDevelopmentNetwork: boolean;
  deploymentsDir: string;
  owner?: string;
  kind?: string;
  force?: boolean;
}

/** Checks the inputs that could refuse the deployment, before anything is sent. */
export function checkDeployInputs(params: DeployInputs): { recordPath: string } {
  if (params.kind !== undefined && params.kind !== "transparent" && params.kind !== "uups") {
    throw new InvalidProxyKindError(params.kind);
  }
  if (params.owner !== undefined && !ethers.isAddress(params.owner)) {
    throw new InvalidAddressError("--owner", params.owner);
  }
  const recordPath = deploymentRecordPath(
    params.deploymentsDir,
    params.networkName,
    ENGINE_RECORD_NAME,
  );
  if (fs.existsSync(recordPath) && !params.isDevelopmentNetwork && !params.force) {
    throw new RecordExistsError(recordPath, params.networkName);
  }
  return { recordPath };
}
