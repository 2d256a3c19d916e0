import { describeUpgradeEndToEnd } from "./upgrade-suite";

describeUpgradeEndToEnd("checklist");
