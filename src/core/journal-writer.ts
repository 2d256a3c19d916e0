import * as fs from "node:fs";
import * as path from "node:path";

import { fsyncDirSync, writeAllSync } from "./durable-fs";
import { decodeJournalValue, encodeJournalValue } from "./json-codec";
import type { Durability, JournalLine, JournalMessage } from "./journal-messages";
import { redactSecrets } from "./redaction";

/** What append returns: the line as stored (redacted, decoded back) and what was redacted. */
export interface AppendResult {
  line: JournalLine;
  redactedPaths: string[];
}

/** A stamped, encoded line not yet written. */
export interface PreparedLine {
  seq: number;
  text: string;
  line: JournalLine;
  redactedPaths: string[];
}

/** Options of a journal writer. */
export interface JournalWriterOptions {
  durability: Durability;
  /** Called before every append; throws to forbid writing (e.g. when the run lost its lock). */
  guard?: () => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * The append-only journal file. A line is written with one write call and flushed with fsync
 * before append returns, so that when a step goes on to apply an effect, the intent is on disk.
 * After a failed write the writer refuses to write again: a partial line followed by more lines
 * would turn a repairable torn tail into mid-file corruption.
 */
export class JournalWriter {
  private broken: Error | undefined;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private seq: number,
    private readonly options: JournalWriterOptions,
  ) {}

  /** Creates a new journal file (it must not exist) and flushes its directory entry. */
  static create(file: string, options: JournalWriterOptions): JournalWriter {
    const fd = fs.openSync(file, "ax");
    fsyncDirSync(path.dirname(file));
    return new JournalWriter(fd, 0, options);
  }

  /** Opens an existing journal whose last valid line has sequence number lastSeq. */
  static open(file: string, lastSeq: number, options: JournalWriterOptions): JournalWriter {
    const fd = fs.openSync(file, "a");
    return new JournalWriter(fd, lastSeq, options);
  }

  /** The sequence number of the last line written. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Stamps, redacts and encodes a message without writing it, so the caller can check that the
   * line folds into its state before it becomes part of the journal.
   */
  prepare(message: JournalMessage): PreparedLine {
    const at = isoTimestamp(this.options.now?.() ?? new Date());
    const stamped = { seq: this.seq + 1, at, ...message };
    const { value, paths } = redactSecrets(stamped);
    const encoded = encodeJournalValue(value);
    return {
      seq: stamped.seq,
      text: `${JSON.stringify(encoded)}\n`,
      line: decodeJournalValue(encoded) as JournalLine,
      redactedPaths: paths,
    };
  }

  /** Durably appends a prepared line (the last one prepared). */
  write(prepared: PreparedLine): void {
    if (this.closed) throw new Error("journal writer is closed");
    if (this.broken) throw this.broken;
    if (prepared.seq !== this.seq + 1)
      throw new Error(`journal line ${prepared.seq} is out of order`);
    this.options.guard?.();
    try {
      writeAllSync(this.fd, Buffer.from(prepared.text, "utf8"));
      if (this.options.durability === "fsync") fs.fsyncSync(this.fd);
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    this.seq += 1;
  }

  /** Stamps, redacts, encodes and durably appends one message. */
  append(message: JournalMessage): AppendResult {
    const prepared = this.prepare(message);
    this.write(prepared);
    return { line: prepared.line, redactedPaths: prepared.redactedPaths };
  }

  /** Closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

// toISOString costs about as much as encoding a short line, and the lines of one second share
// all of it but the milliseconds.
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/** `date.toISOString()`, reusing the text up to the seconds from the previous call. */
function isoTimestamp(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    // An invalid date throws here, as toISOString always did.
    const iso = date.toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, -"000Z".length);
    return iso;
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}
