/**
 * Keyspace-wide coordinator commands: KEYS, SCAN, RANDOMKEY, SWAPDB (fan out to every shard).
 */
import type { CommandSpec, CoordOp } from './spec';
import type { CoordContext } from './coord-context';
import { broadcast, bulkReply, errorReply, okReply } from './coord-context';
import { CommandTable } from './table';
import { arrayElements, isError, readInteger } from '../resp/reply-reader';
import { ERR_DB_INDEX, ERR_INVALID_CURSOR, ERR_NOT_INTEGER, ERR_SYNTAX } from '../resp/errors';
import { parseScanCursor } from '../../workers/args';

const str = (b: Buffer): string => b.latin1Slice(0, b.length);

/** Sends an internal op to one shard in the caller's db; replies come in RESP2 (we re-frame them). */
function ask(ctx: CoordContext, shard: number, op: string, args: readonly (Buffer | string)[]): Promise<Buffer> {
  return ctx.server.shards.clients[shard].request(CommandTable.internalOp(op), ctx.conn.db, 2, ['', ...args], 1);
}

function arrayOf(items: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${items.length}\r\n`), ...items]);
}

const keys: CoordOp = async (ctx, args) => {
  const op = CommandTable.internalOp('__keys');
  const replies = await Promise.all(ctx.server.shards.clients.map((c) => c.request(op, ctx.conn.db, 2, ['', args[1]], 1)));
  const all: Buffer[] = [];
  for (const r of replies) {
    if (isError(r)) return r;
    for (const e of arrayElements(r) ?? []) all.push(e);
  }
  return arrayOf(all);
};



interface ScanOptions {
  count: number;
  pattern: string | null;
  type: string | null;
}

function parseScanOptions(args: readonly Buffer[], from: number): ScanOptions | string {
  const out: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = from; i < args.length; ) {
    const left = args.length - i;
    const opt = str(args[i]).toLowerCase();
    if (opt === 'count' && left >= 2) {
      const v = str(args[i + 1]);
      if (!/^(0|-?[1-9][0-9]*)$/.test(v) || v.length > 20) return ERR_NOT_INTEGER;
      const n = BigInt(v);
      if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return ERR_NOT_INTEGER;
      if (n < 1n) return ERR_SYNTAX;
      out.count = n > 1_000_000_000n ? 1_000_000_000 : Number(n);
    } else if (opt === 'match' && left >= 2) {
      out.pattern = str(args[i + 1]);
    } else if (opt === 'type' && left >= 2) {
      out.type = str(args[i + 1]);
    } else {
      return ERR_SYNTAX;
    }
    i += 2;
  }
  return out;
}

/**
 * SCAN with one cursor across every shard. The cursor packs the shard index
 * and that shard's own cursor: `local * shards + shard`. A shard's own cursor
 * (see Db.scan) walks its entries top-down, which keeps Redis's guarantee that
 * a key present for the whole scan is returned at least once. When a shard is
 * finished within a call, the same call goes on to the next shard with what
 * is left of COUNT; cursor `s` (local 0) means "shard s, from the start".
 */
const scan: CoordOp = async (ctx, args) => {
  const cursor = parseScanCursor(str(args[1]));
  if (cursor === null) return errorReply(ERR_INVALID_CURSOR);
  const opts = parseScanOptions(args, 2);
  if (typeof opts === 'string') return errorReply(opts);
  const shards = BigInt(ctx.server.shards.count);
  let shard = Number(cursor % shards);
  // A cursor we never handed out may be huge: the shard clamps it to its size.
  let local = cursor / shards;
  let budget = opts.count;
  const found: Buffer[] = [];
  let next = 0n;
  for (;;) {
    const reply = await ask(ctx, shard, '__scan', [
      local.toString(), String(budget),
      opts.pattern === null ? '0' : '1', opts.pattern ?? '',
      opts.type === null ? '0' : '1', opts.type ?? '',
    ]);
    if (isError(reply)) return reply;
    const [nextBuf, visitedBuf, keysBuf] = arrayElements(reply) as Buffer[];
    for (const k of arrayElements(keysBuf) ?? []) found.push(k);
    const nextLocal = readInteger(nextBuf) ?? 0;
    const visited = readInteger(visitedBuf) ?? 0;
    if (nextLocal !== 0) {
      next = BigInt(nextLocal) * shards + BigInt(shard);
      break;
    }
    shard++;
    if (shard >= Number(shards)) {
      next = 0n;
      break;
    }
    local = 0n;
    budget -= visited;
    if (budget <= 0) {
      next = BigInt(shard);
      break;
    }
  }
  const c = next.toString();
  return Buffer.concat([Buffer.from(`*2\r\n$${c.length}\r\n${c}\r\n`), arrayOf(found)]);
};

/** RANDOMKEY: a shard picked with probability proportional to its key count, then a key of it. */
const randomkey: CoordOp = async (ctx) => {
  const sizes = (await broadcast(ctx, CommandTable.internalOp('__dbsize'))).map((r) => readInteger(r) ?? 0);
  let total = sizes.reduce((a, b) => a + b, 0);
  while (total > 0) {
    let pick = Math.floor(Math.random() * total);
    let shard = 0;
    while (pick >= sizes[shard]) pick -= sizes[shard++];
    const reply = await ask(ctx, shard, '__randomkey', []);
    if (reply[0] === 36 /* $ */ && reply[1] !== 45 /* - */) return reply;
    // That shard only held expired keys (now reclaimed): try the others.
    total -= sizes[shard];
    sizes[shard] = 0;
  }
  return bulkReply(null, ctx.conn.proto);
};

function dbIndex(b: Buffer): number | null {
  const s = str(b);
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 11) return null;
  const n = Number(s);
  return n > 2147483647 || n < -2147483648 ? null : n;
}

/**
 * SWAPDB: every shard swaps its two dbs. Every part is sent in one step, so
 * each other command sees either no shard swapped or all of them
 * (docs/architecture.md, "Transactions and cross-shard atomicity").
 */
const swapdb: CoordOp = async (ctx, args) => {
  const a = dbIndex(args[1]);
  if (a === null) return errorReply('ERR invalid first DB index');
  const b = dbIndex(args[2]);
  if (b === null) return errorReply('ERR invalid second DB index');
  const dbs = ctx.server.config.values.databases;
  if (a < 0 || a >= dbs || b < 0 || b >= dbs) return errorReply(ERR_DB_INDEX);
  const replies = await broadcast(ctx, CommandTable.internalOp('__swapdb'), [String(a), String(b)]);
  for (const r of replies) if (isError(r)) return r;
  return okReply();
};

export const keyspaceCommands: CommandSpec[] = [
  {
    name: 'keys', arity: 2, flags: ['readonly'], firstKey: 0, lastKey: 0, step: 0, group: 'generic', since: '1.0.0',
    summary: 'Lists every key name that matches a glob pattern.',
    complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
    syntax: 'pattern', coord: keys,
  },
  {
    name: 'scan', arity: -2, flags: ['readonly'], firstKey: 0, lastKey: 0, step: 0, group: 'generic', since: '2.8.0',
    summary: 'Walks the key names of the database a few at a time with a cursor.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    syntax: 'cursor [MATCH pattern] [COUNT count] [TYPE type]', coord: scan,
  },
  {
    name: 'randomkey', arity: 1, flags: ['readonly'], firstKey: 0, lastKey: 0, step: 0, group: 'generic', since: '1.0.0',
    summary: 'Returns the name of a key picked at random.', complexity: 'O(1)', coord: randomkey,
  },
  {
    name: 'swapdb', arity: 3, flags: ['write', 'fast'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '4.0.0',
    summary: 'Exchanges the contents of two databases.',
    complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.',
    syntax: 'index1 index2', coord: swapdb,
  },
];
