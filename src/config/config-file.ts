/**
 * redis.conf-style configuration text, read as Redis's config.c reads it:
 * one directive per line, arguments split by sdssplitargs's rules (double
 * quotes with \n \r \t \b \a \\ \" \xHH escapes, single quotes with \'),
 * `#` comments, `include <path>` read in place. The command line's
 * `--name value ...` options become lines appended after the file, as in
 * redis-server's main().
 */
import fs from 'node:fs';

/** One directive and where it came from (for Redis's fatal error report). */
export interface Directive {
  name: string;
  args: string[];
  /** The line as written, and its 1-based number in the text it came from. */
  line: string;
  lineNo: number;
  /**
   * Read after an `include`: Redis's nested load leaves its "reading the
   * config file" flag off, so a later `save` replaces the save points instead
   * of adding to them. Shardis reproduces that.
   */
  afterInclude?: boolean;
}

export class ConfigFileError extends Error {
  constructor(
    readonly lineNo: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** Redis's report, printed to stderr before exiting with status 1. */
  report(redisVersion: string): string {
    return `\n*** FATAL CONFIG FILE ERROR (Redis ${redisVersion}) ***\nReading the configuration file, at line ${this.lineNo}\n>>> '${this.line}'\n${this.reason}\n`;
  }
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** sdssplitargs: the arguments of one line, or null for unbalanced quotes. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false; // inside "double quotes"
    let insq = false; // inside 'single quotes'
    let done = false;
    while (!done) {
      const c = line[i];
      if (inq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === 'x' && HEX.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          done = true;
        } else cur += c;
      } else if (insq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          done = true;
        } else cur += c;
      } else if (i >= n || c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') {
        done = true;
      } else if (c === '"') inq = true;
      else if (c === "'") insq = true;
      else cur += c;
      if (i < n) i++;
    }
    out.push(cur);
  }
}

/** sdscatrepr: a value quoted so splitArgs reads it back exactly. */
export function quoteArg(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c < 32 || c > 126) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** A value as CONFIG REWRITE writes it: bare when that reads back the same, quoted otherwise. */
export function rewriteArg(s: string): string {
  return s !== '' && /^[!-~]+$/.test(s) && !/["'\\]/.test(s) ? s : quoteArg(s);
}

/**
 * Parses configuration text into directives, reading `include` files in place
 * (paths as given, relative to the working directory, as Redis does).
 */
export function parseConfigText(text: string, depth = 0, lineBase = 0): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  let afterInclude = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const args = splitArgs(line);
    if (args === null) throw new ConfigFileError(lineBase + i + 1, line, 'Unbalanced quotes in configuration line');
    if (args.length === 0) continue;
    const name = args[0].toLowerCase();
    if (name === 'include' && args.length === 2) {
      if (depth > 16) throw new ConfigFileError(lineBase + i + 1, line, 'Too many nested includes');
      let inner: string;
      try {
        inner = fs.readFileSync(args[1], 'latin1');
      } catch (err) {
        throw new ConfigFileError(lineBase + i + 1, line, `Fatal error, can't open config file '${args[1]}': ${(err as Error).message}`);
      }
      out.push(...parseConfigText(inner, depth + 1));
      afterInclude = true;
      continue;
    }
    out.push({ name, args: args.slice(1), line, lineNo: lineBase + i + 1, afterInclude });
  }
  return out;
}

/**
 * The command line's options (everything after the config file) as
 * configuration text, by redis-server's rules: `--name` starts a line, the
 * words after it are its quoted arguments, `--save` with nothing after it
 * means `save ""`.
 */
export function optionsText(argv: readonly string[]): string {
  let options = '';
  let handledLast = true;
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j];
    if (handledLast && a.startsWith('--')) {
      if (options !== '') options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a) ?? [a];
      if (parts.length === 1) {
        handledLast = false;
        const last = j === argv.length - 1;
        if (a.toLowerCase() === '--save' && (last || argv[j + 1].startsWith('--'))) {
          options += '""';
          handledLast = true;
        }
      } else handledLast = true;
    } else {
      options += quoteArg(a) + ' ';
      handledLast = true;
    }
  }
  return options;
}
