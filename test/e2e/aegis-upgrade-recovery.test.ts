import { describeUpgradeEndToEnd } from "./upgrade-suite";

describeUpgradeEndToEnd("recovery");
