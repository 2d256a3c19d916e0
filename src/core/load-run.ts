import * as fs from "node:fs";

import { JournalCorruptError, RunNotFoundError, isAegisError } from "./errors";
import { JOURNAL_VERSION, type JournalLine } from "./journal-messages";
import { readJournal, type TornTail } from "./journal-reader";
import { journalFileOf } from "./run-paths";
import type { RunState } from "./run-state";
import { StepArrayOwner } from "./run-state-reducer";

/** A run as read from its folder: its lines, its folded state and any torn tail. */
export interface LoadedRun {
  runDir: string;
  journalFile: string;
  lines: JournalLine[];
  state: RunState;
  tornTail?: TornTail;
}

/**
 * Reads and folds a run's journal without changing it. A reducer error (a message that cannot
 * follow the previous ones) is reported as corruption of that line.
 */
export function loadRun(runDir: string): LoadedRun {
  const journalFile = journalFileOf(runDir);
  if (!fs.existsSync(journalFile)) throw new RunNotFoundError(runDir);
  const contents = readJournal(journalFile);
  // Only the last state is returned, so the fold may write steps in place.
  const owner = new StepArrayOwner();
  let state: RunState | undefined;
  contents.lines.forEach((line, index) => {
    try {
      state = owner.fold(state, line);
      owner.commit();
    } catch (error) {
      if (isAegisError(error)) throw error;
      throw new JournalCorruptError(journalFile, index + 1, (error as Error).message);
    }
    if (index === 0 && line.type === "RUN_STARTED" && line.journalVersion > JOURNAL_VERSION) {
      throw new JournalCorruptError(
        journalFile,
        1,
        `journal version ${line.journalVersion} is newer than this toolkit's (${JOURNAL_VERSION})`,
      );
    }
  });
  if (state === undefined) {
    // Only a crash before the first line was complete leaves no line: the run never started.
    throw new JournalCorruptError(
      journalFile,
      1,
      "the journal has no complete line (the run never started)",
    );
  }
  const loaded: LoadedRun = { runDir, journalFile, lines: contents.lines, state };
  if (contents.tornTail) loaded.tornTail = contents.tornTail;
  return loaded;
}
