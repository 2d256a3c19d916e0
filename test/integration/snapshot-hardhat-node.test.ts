import { describeSnapshotTasks } from "./snapshot-tasks-suite";

describeSnapshotTasks("hardhat node");
