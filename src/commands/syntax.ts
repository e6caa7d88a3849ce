/**
 * Turns a row's documentation syntax string (`key value [NX | XX] [GET]
 * [EX seconds | PX milliseconds]`) into the argument tree COMMAND DOCS
 * replies with, which redis-cli 7 turns into its inline hints.
 *
 * Grammar (the Redis documentation's notation):
 *   sequence := item*
 *   item     := '[' alts ']'   optional group
 *             | '<' alts '>'   required group
 *             | WORD           CAPS words are tokens, others are named values
 *             | '...'          repeats what precedes it
 *   alts     := sequence ('|' sequence)*
 * `x [x ...]` means "one or more x" (flag multiple); `[x ...]` alone means
 * "zero or more". A CAPS word followed by one value is that value's token
 * (`EX seconds`); followed by several, it names a block (`LIMIT offset count`).
 */

export type ArgType = 'key' | 'string' | 'integer' | 'double' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

export interface DocArg {
  name: string;
  type: ArgType;
  keySpecIndex?: number;
  token?: string;
  flags: ('optional' | 'multiple' | 'multiple_token')[];
  args?: DocArg[];
}

/** Parse tree before it becomes DocArgs: the source text is kept to recognise `x [x ...]`. */
type Node =
  | { kind: 'word'; text: string; src: string }
  | { kind: 'group'; optional: boolean; alts: Node[][]; src: string }
  | { kind: 'repeat'; src: string };

class SyntaxReader {
  private pos = 0;
  private readonly tokens: string[];
  constructor(text: string) {
    this.tokens = text.match(/\.\.\.|[[\]<>|]|[^\s[\]<>|]+/g) ?? [];
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  sequence(): Node[] {
    const out: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t === ']' || t === '>' || t === '|') return out;
      this.pos++;
      if (t === '[' || t === '<') {
        const alts = this.alternatives();
        const close = this.tokens[this.pos++];
        const expected = t === '[' ? ']' : '>';
        if (close !== expected) throw new Error(`syntax: expected '${expected}'`);
        out.push({ kind: 'group', optional: t === '[', alts, src: `${t}${alts.map(srcOf).join('|')}${expected}` });
      } else if (t === '...') {
        out.push({ kind: 'repeat', src: '...' });
      } else {
        out.push({ kind: 'word', text: t, src: t });
      }
    }
  }

  private alternatives(): Node[][] {
    const alts = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      alts.push(this.sequence());
    }
    return alts;
  }

  done(): boolean {
    return this.pos >= this.tokens.length;
  }
}

function srcOf(seq: Node[]): string {
  return seq.map((n) => n.src).join(' ');
}

const isToken = (w: string): boolean => /^[A-Z][A-Z0-9_-]*$/.test(w) && /[A-Z]/.test(w);

/** Value types by argument name, as Redis's command docs type them. */
const INTEGER_NAMES = new Set([
  'seconds', 'milliseconds', 'count', 'index', 'offset', 'start', 'end', 'numkeys', 'cursor', 'db', 'destination-db', 'client-id',
  'decrement', 'ttl', 'len', 'length', 'rank', 'maxlen', 'numreplicas', 'limit', 'bit', 'port', 'milliseconds-timeout', 'numlocal',
  'index-number', 'stop', 'ms', 'id', 'age', 'maxage', 'number-of-keys', 'protover', 'timeout-ms', 'slot', 'pos', 'value-int',
]);
const DOUBLE_NAMES = new Set(['score', 'min-score', 'max-score', 'longitude', 'latitude', 'radius', 'width', 'height', 'weight', 'timeout']);

function valueType(name: string, inheritedInteger: boolean): ArgType {
  if (name === 'key' || name.endsWith('key') || name === 'source' || name === 'destination') return 'key';
  if (name === 'pattern' || name.endsWith('-pattern')) return 'pattern';
  if (name.startsWith('unix-time')) return 'unix-time';
  if (INTEGER_NAMES.has(name) || inheritedInteger) return 'integer';
  if (DOUBLE_NAMES.has(name)) return 'double';
  return 'string';
}

/** Names Redis gives to well-known choice groups, keyed by their sorted token set. */
const GROUP_NAMES: Record<string, string> = {
  'nx xx': 'condition',
  'ex exat keepttl px pxat': 'expiration',
  'ex exat persist px pxat': 'expiration',
  'async sync': 'flush-type',
  'gt lt': 'comparison',
  'gt lt nx xx': 'condition',
  'no yes': 'yes/no',
  'master normal pubsub replica slave': 'normal_master_slave_pubsub',
  'master normal pubsub replica': 'normal_master_replica_pubsub',
  'left right': 'wherefrom',
  'after before': 'where',
  'asc desc': 'order',
  'off on skip': 'on-off-skip',
  'off on': 'enabled',
};

function groupName(args: DocArg[]): string {
  const key = args
    .map((a) => a.token?.toLowerCase() ?? a.name)
    .sort()
    .join(' ');
  return GROUP_NAMES[key] ?? args.map((a) => a.name).join('_');
}

/** Converts one branch (a sequence) to a single argument: a value, a tokened value, or a block. */
function branchToArg(seq: Node[], keyIndex: () => number): DocArg {
  const args = sequenceToArgs(seq, keyIndex);
  if (args.length === 1) return args[0];
  // `TOKEN value` pairs became one argument already; `LIMIT offset count` is a block named after its token.
  if (args.length > 1 && args[0].type === 'pure-token') {
    return { name: args[0].name, type: 'block', token: args[0].token, flags: [], args: args.slice(1) };
  }
  return { name: args.map((a) => a.name).join('_'), type: 'block', flags: [], args };
}

function groupToArg(node: Extract<Node, { kind: 'group' }>, keyIndex: () => number): DocArg {
  let arg: DocArg;
  if (node.alts.length > 1) {
    const args = node.alts.map((b) => branchToArg(b, keyIndex));
    arg = { name: groupName(args), type: 'oneof', flags: [], args };
  } else {
    arg = branchToArg(node.alts[0], keyIndex);
  }
  return arg;
}

function addFlag(arg: DocArg, flag: DocArg['flags'][number]): void {
  if (!arg.flags.includes(flag)) arg.flags.push(flag);
}

function sequenceToArgs(seq: Node[], keyIndex: () => number): DocArg[] {
  const out: DocArg[] = [];
  const srcs: string[] = [];
  for (let i = 0; i < seq.length; i++) {
    const n = seq[i];
    if (n.kind === 'repeat') {
      if (out.length > 0) addFlag(out[out.length - 1], 'multiple');
      continue;
    }
    if (n.kind === 'group' && n.optional && n.alts.length === 1) {
      const inner = n.alts[0];
      // `x [x ...]` / `field value [field value ...]`: one or more of what precedes.
      if (inner.length > 1 && inner[inner.length - 1].kind === 'repeat') {
        const body = inner.slice(0, -1);
        const bodySrc = srcOf(body);
        const k = body.length;
        if (srcs.length >= k && srcs.slice(srcs.length - k).join(' ') === bodySrc) {
          const taken = out.splice(out.length - k, k);
          srcs.splice(srcs.length - k, k);
          const merged = taken.length === 1 ? taken[0] : { name: taken.map((a) => a.name).join('_'), type: 'block' as const, flags: [], args: taken };
          addFlag(merged, 'multiple');
          out.push(merged);
          srcs.push(bodySrc);
          continue;
        }
        // `ID client-id [client-id ...]`: a token over one or more values is a block named after the token.
        const prev = out[out.length - 1];
        if (k === 1 && prev !== undefined && prev.token !== undefined && srcs[srcs.length - 1] === `${prev.token} ${bodySrc}`) {
          out.pop();
          srcs.pop();
          const value: DocArg = { ...prev, flags: [...prev.flags] };
          delete value.token;
          addFlag(value, 'multiple');
          out.push({ name: prev.token.toLowerCase(), type: 'block', token: prev.token, flags: [], args: [value] });
          srcs.push(`${prev.token} ${n.src}`);
          continue;
        }
        const arg = branchToArg(body, keyIndex);
        addFlag(arg, 'optional');
        addFlag(arg, 'multiple');
        out.push(arg);
        srcs.push(n.src);
        continue;
      }
    }
    if (n.kind === 'word') {
      const next = seq[i + 1];
      if (isToken(n.text)) {
        // A token directly followed by one value (or one required group) is that value's token.
        const rest = seq.slice(i + 1);
        const valueCount = rest.findIndex((x) => x.kind === 'group' && x.optional) === -1 ? rest.length : rest.findIndex((x) => x.kind === 'group' && x.optional);
        const valueNext = next !== undefined && (next.kind === 'word' ? !isToken(next.text) : next.kind === 'group' && !next.optional);
        if (next !== undefined && next.kind !== 'repeat' && valueNext && valueCount === 1) {
          const arg = next.kind === 'word' ? wordArg(next.text, keyIndex, n.text) : groupToArg(next, keyIndex);
          arg.token = n.text;
          out.push(arg);
          srcs.push(`${n.src} ${next.src}`);
          i++;
          continue;
        }
        out.push({ name: n.text.toLowerCase(), type: 'pure-token', token: n.text, flags: [] });
      } else {
        out.push(wordArg(n.text, keyIndex, undefined));
      }
      srcs.push(n.src);
      continue;
    }
    const arg = groupToArg(n, keyIndex);
    if (n.optional) addFlag(arg, 'optional');
    out.push(arg);
    srcs.push(n.src);
  }
  return out;
}

function wordArg(name: string, keyIndex: () => number, token: string | undefined): DocArg {
  const type = valueType(name, token === 'COUNT' || token === 'LIMIT');
  const arg: DocArg = { name, type, flags: [] };
  if (type === 'key') arg.keySpecIndex = keyIndex();
  return arg;
}

/**
 * Parses a syntax string. `keySpecFor(n)` gives the key spec index of the
 * n-th key argument (0-based, in order of appearance).
 */
export function parseSyntax(syntax: string | undefined, keySpecFor: (nth: number) => number = () => 0): DocArg[] {
  if (syntax === undefined || syntax.trim() === '') return [];
  const reader = new SyntaxReader(syntax);
  const seq = reader.sequence();
  if (!reader.done()) throw new Error(`syntax: unbalanced brackets in '${syntax}'`);
  let nth = 0;
  return sequenceToArgs(seq, () => keySpecFor(nth++));
}
