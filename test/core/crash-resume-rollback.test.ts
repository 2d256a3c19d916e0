import { describeCrashResume } from "./crash-resume-suite";

describeCrashResume("rollback");
