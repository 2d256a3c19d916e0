import { describeInterrupted } from "./interrupt-suite";

describeInterrupted("at-upgrade");
