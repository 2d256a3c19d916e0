import { describeSnapshotTasks } from "./snapshot-tasks-suite";

describeSnapshotTasks("anvil");
