import { describeRecoveryModel } from "./recovery-model-suite";

describeRecoveryModel(0, 2);
