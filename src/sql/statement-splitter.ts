import { UnterminatedStatementError } from "./errors";

/** How a database quotes and comments, which decides where a statement ends. */
export type SqlDialect = "postgres" | "mysql" | "sqlite";

/** One statement of a script and the line (1-based) of the file where it starts. */
export interface SqlStatement {
  sql: string;
  line: number;
}

/** Heads of routine definitions whose bodies hold semicolons between BEGIN and END. */
const ROUTINE_HEAD =
  /^create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?(?:procedure|function|trigger|event)\b/i;
/** Keywords that, after END, close a block that did not count as one (END IF, END LOOP, ...). */
const UNCOUNTED_AFTER_END = new Set(["if", "loop", "while", "repeat"]);

/**
 * Splits a script into statements on top-level semicolons, keeping each statement's line.
 * Semicolons inside string literals, quoted identifiers, comments and dollar-quoted bodies
 * ($$...$$, $tag$...$tag$) do not end a statement; neither do those inside a routine body
 * (CREATE PROCEDURE ... BEGIN ... END), so MariaDB procedures need no DELIMITER line. A
 * DELIMITER line is not SQL: it is refused by the server, so it is not special here either.
 */
export function splitStatements(script: string, file: string, dialect: SqlDialect): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let line = 1;
  let start = -1; // index of the statement's first significant character
  let startLine = 1;
  let depth = 0; // BEGIN/CASE nesting inside a routine body
  let routine = false;
  const backslashEscapes = dialect === "mysql";
  const flush = (end: number) => {
    if (start !== -1) {
      const sql = script.slice(start, end).trim();
      if (sql !== "") statements.push({ sql, line: startLine });
    }
    start = -1;
    depth = 0;
    routine = false;
  };
  const markStart = (index: number) => {
    if (start === -1) {
      start = index;
      startLine = line;
    }
  };
  let i = 0;
  while (i < script.length) {
    const ch = script[i] as string;
    const next = script[i + 1];
    if (ch === "\n") {
      line += 1;
      i += 1;
      continue;
    }
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    // Comments: -- to the end of the line (and # in MySQL), /* ... */ (nested in PostgreSQL).
    if ((ch === "-" && next === "-") || (ch === "#" && dialect === "mysql")) {
      while (i < script.length && script[i] !== "\n") i += 1;
      continue;
    }
    if (ch === "/" && next === "*") {
      const openedAt = line;
      let nesting = 1;
      i += 2;
      while (i < script.length && nesting > 0) {
        if (script[i] === "\n") line += 1;
        if (script[i] === "*" && script[i + 1] === "/") {
          nesting -= 1;
          i += 2;
        } else if (dialect === "postgres" && script[i] === "/" && script[i + 1] === "*") {
          nesting += 1;
          i += 2;
        } else i += 1;
      }
      if (nesting > 0) throw new UnterminatedStatementError(file, openedAt, "a /* comment");
      continue;
    }
    if (ch === ";") {
      if (routine && depth > 0) {
        i += 1;
        continue;
      }
      flush(i);
      i += 1;
      continue;
    }
    markStart(i);
    // Quoted text: strings, identifiers; a doubled quote is an escaped quote.
    if (ch === "'" || ch === '"' || ch === "`") {
      const openedAt = line;
      const escapes =
        ch !== "`" &&
        (backslashEscapes ||
          (ch === "'" && /[eE]/.test(script[i - 1] ?? "") && !isWordChar(script[i - 2])));
      i += 1;
      let closed = false;
      while (i < script.length) {
        const c = script[i] as string;
        if (c === "\n") line += 1;
        if (escapes && c === "\\") {
          if (script[i + 1] === "\n") line += 1;
          i += 2;
          continue;
        }
        if (c === ch) {
          if (script[i + 1] === ch) {
            i += 2;
            continue;
          }
          i += 1;
          closed = true;
          break;
        }
        i += 1;
      }
      if (!closed) throw new UnterminatedStatementError(file, openedAt, `a ${ch} quote`);
      continue;
    }
    // Dollar-quoted bodies: $$ ... $$ or $tag$ ... $tag$ (PostgreSQL), not $1 parameters.
    if (ch === "$" && dialect === "postgres" && !isWordChar(script[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 66));
      if (tag !== null) {
        const openedAt = line;
        const close = script.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new UnterminatedStatementError(file, openedAt, `a ${tag[0]} body`);
        for (let k = i; k < close; k += 1) if (script[k] === "\n") line += 1;
        i = close + tag[0].length;
        continue;
      }
    }
    if (isWordChar(ch) && !isWordChar(script[i - 1])) {
      let end = i;
      while (end < script.length && isWordChar(script[end])) end += 1;
      const word = script.slice(i, end).toLowerCase();
      if (!routine && start !== -1 && (word === "begin" || word === "case")) {
        // A routine is recognised once its head is complete, at its first BEGIN or CASE.
        routine = ROUTINE_HEAD.test(script.slice(start, i).replace(/\s+/g, " ").trim() + " x");
      }
      if (routine) {
        if (word === "begin" || word === "case") depth += 1;
        else if (word === "end") {
          const after = /^\s*([A-Za-z]+)\b/.exec(script.slice(end, end + 20));
          const closes = after?.[1]?.toLowerCase();
          // END IF / END LOOP close blocks that were never counted; END CASE closes a CASE.
          if (closes === undefined || !UNCOUNTED_AFTER_END.has(closes)) depth -= 1;
          if (closes !== undefined && (UNCOUNTED_AFTER_END.has(closes) || closes === "case")) {
            i = end + (after?.[0].length ?? 0);
            continue;
          }
        }
      }
      i = end;
      continue;
    }
    i += 1;
  }
  flush(script.length);
  return statements;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}
