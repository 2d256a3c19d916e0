import { describeInterrupted } from "./interrupt-suite";

describeInterrupted("after-upgrade");
