import * as fs from "node:fs";

import { JournalCorruptError } from "./errors";
import { decodeJournalValue, type EncodedJson } from "./json-codec";
import { isJournalMessageType, type JournalLine } from "./journal-messages";

/** A last line cut short by a crash while it was being written. */
export interface TornTail {
  /** 1-based number of the torn line. */
  line: number;
  /** Bytes of the torn line (what a repair removes). */
  bytes: number;
  /** Length of the journal up to the end of the last valid line (where a repair truncates). */
  validLength: number;
}

/** The lines of a journal and, if any, its torn tail (not yet repaired). */
export interface JournalContents {
  lines: JournalLine[];
  tornTail?: TornTail;
}

const NEWLINE = 0x0a;

/**
 * Reads a journal. Only the last line may be invalid: the writer appends one line at a time
 * and flushes it before going on, so a crash can tear nothing but the line being written, and
 * nothing was done on the strength of it. Anything else invalid is corruption (AEGIS-E110).
 */
export function readJournal(file: string): JournalContents {
  const data = fs.readFileSync(file);
  const lines: JournalLine[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < data.length) {
    lineNumber += 1;
    const end = data.indexOf(NEWLINE, start);
    if (end === -1) {
      // No newline: the write of this line never finished.
      return {
        lines,
        tornTail: { line: lineNumber, bytes: data.length - start, validLength: start },
      };
    }
    const text = data.toString("utf8", start, end);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (end + 1 === data.length) {
        return {
          lines,
          tornTail: { line: lineNumber, bytes: data.length - start, validLength: start },
        };
      }
      throw new JournalCorruptError(file, lineNumber, "not valid JSON");
    }
    lines.push(toLine(file, lineNumber, json));
    start = end + 1;
  }
  return { lines };
}

/** Truncates a torn tail away and flushes the file. */
export function truncateTornTail(file: string, tail: TornTail): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.ftruncateSync(fd, tail.validLength);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function toLine(file: string, lineNumber: number, json: unknown): JournalLine {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new JournalCorruptError(file, lineNumber, "not a JSON object");
  }
  const record = json as Record<string, unknown>;
  if (record.seq !== lineNumber) {
    throw new JournalCorruptError(
      file,
      lineNumber,
      `sequence number ${JSON.stringify(record.seq)} where ${lineNumber} was expected`,
    );
  }
  if (typeof record.at !== "string" || Number.isNaN(Date.parse(record.at))) {
    throw new JournalCorruptError(file, lineNumber, "no valid timestamp");
  }
  if (!isJournalMessageType(record.type)) {
    throw new JournalCorruptError(
      file,
      lineNumber,
      `unknown message type ${JSON.stringify(record.type)}`,
    );
  }
  if ("step" in record && typeof record.step !== "string") {
    throw new JournalCorruptError(file, lineNumber, "step is not a string");
  }
  return decodeJournalValue(json as EncodedJson) as JournalLine;
}
