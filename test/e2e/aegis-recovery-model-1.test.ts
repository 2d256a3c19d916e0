import { describeRecoveryModel } from "./recovery-model-suite";

describeRecoveryModel(1, 2);
