import { describeInterrupted } from "./interrupt-suite";

describeInterrupted("before-upgrade");
