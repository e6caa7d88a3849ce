/**
 * FUNCTION LOAD / DELETE / DUMP / RESTORE / FLUSH / LIST / STATS / KILL /
 * HELP. Every shard keeps the same libraries (an FCALL runs where its keys
 * are), so the changes are broadcast and the reads ask shard 0. DUMP's
 * payload is Redis 7.0's (src/core/rdb/): per library the FUNCTION2 opcode
 * and the code as an RDB string, then the RDB version and a CRC64 of it all,
 * so a payload moves between Shardis and redis-server either way.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { killBusyScript } from './scripting';
import { buildReply, errorReply, helpReply, okReply, bulkReply } from '../resp/replies';
import { globMatch } from '../core/glob';
import type { ReplyWriter } from '../core/wire/reply-writer';
import { ByteCursor, ByteSink } from '../core/rdb/bytes';
import { Crc64 } from '../core/rdb/crc64';
import { OPCODE, verifyDumpPayload } from '../core/rdb/file';
import { RDB_VERSION, readString, writeString } from '../core/rdb/object';

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const functionLoad: CoordOp = async (ctx, args) => {
  let replace = false;
  let i = 2;
  for (; i < args.length - 1; i++) {
    if (args[i].toLowerCase() === 'replace') replace = true;
    else return errorReply(`ERR Unknown option given: ${args[i]}`);
  }
  if (i !== args.length - 1) return errorReply('ERR Function code was not given');
  try {
    const names = await ctx.server.shards.broadcast('functionLoad', { code: args[i], replace });
    return bulkReply(names[0], ctx.conn.proto);
  } catch (err) {
    return errorReply((err as Error).message);
  }
};

const functionDelete: CoordOp = async (ctx, args) => {
  const found = await ctx.server.shards.broadcast('functionDelete', { name: args[2] });
  return found[0] ? okReply() : errorReply('ERR Library not found');
};

const functionFlush: CoordOp = async (ctx, args) => {
  if (args.length > 3 || (args.length === 3 && !['sync', 'async'].includes(args[2].toLowerCase()))) {
    return errorReply('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  await ctx.server.shards.broadcast('functionFlush', undefined);
  return okReply();
};

const functionList: CoordOp = async (ctx, args) => {
  let pattern: string | null = null;
  let withCode = false;
  for (let i = 2; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'withcode' && !withCode) withCode = true;
    else if (a === 'libraryname' && pattern === null) {
      if (i + 1 >= args.length) return errorReply('ERR library name argument was not given');
      pattern = args[++i];
    } else return errorReply(`ERR Unknown argument ${args[i]}`);
  }
  const libs = (await ctx.server.shards.call(0, 'functionList', undefined)).filter((l) => pattern === null || globMatch(pattern, l.name));
  return buildReply(ctx, (w) => {
    w.array(libs.length);
    for (const lib of libs) {
      w.map(withCode ? 4 : 3);
      w.bulk('library_name');
      w.bulk(lib.name);
      w.bulk('engine');
      w.bulk('LUA');
      w.bulk('functions');
      w.array(lib.functions.length);
      for (const f of lib.functions) {
        w.map(3);
        w.bulk('name');
        w.bulk(f.name);
        w.bulk('description');
        w.bulkOrNull(f.description);
        w.bulk('flags');
        w.set(f.flags.length);
        for (const fl of f.flags) w.simple(fl);
      }
      if (withCode) {
        w.bulk('library_code');
        w.bulk(lib.code);
      }
    }
  });
};

const functionDump: CoordOp = async (ctx) => {
  const libs = await ctx.server.shards.call(0, 'functionList', undefined);
  const out = new ByteSink(256);
  const opts = { compress: ctx.server.config.get('rdbcompression') === 'yes' };
  for (const lib of libs) {
    out.byte(OPCODE.FUNCTION2);
    writeString(out, lib.code, opts);
  }
  out.u16le(RDB_VERSION);
  out.bytes(new Crc64().update(out.view()).bytesLE());
  return bulkReply(out.take().toString('latin1'), ctx.conn.proto);
};

/** The library codes of a DUMP payload, or null when it is not one this server can read. */
function parsePayload(payload: Buffer): string[] | null {
  if (!verifyDumpPayload(payload)) return null;
  const c = new ByteCursor(payload.subarray(0, payload.length - 10));
  const codes: string[] = [];
  try {
    while (c.remaining > 0) {
      if (c.byte() !== OPCODE.FUNCTION2) return null;
      codes.push(readString(c));
    }
  } catch {
    return null;
  }
  return codes;
}

const functionRestore: CoordOp = async (ctx, args) => {
  let policy: 'flush' | 'append' | 'replace' = 'append';
  if (args.length > 4) return errorReply('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  if (args.length === 4) {
    const p = args[3].toLowerCase();
    if (p !== 'flush' && p !== 'append' && p !== 'replace') return errorReply('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    policy = p;
  }
  const codes = parsePayload(Buffer.from(args[2], 'latin1'));
  if (codes === null) return errorReply('ERR DUMP payload version or checksum are wrong');
  try {
    await ctx.server.shards.broadcast('functionRestore', { codes, policy });
  } catch (err) {
    return errorReply((err as Error).message);
  }
  return okReply();
};

const functionStats: CoordOp = async (ctx) => {
  const libs = await ctx.server.shards.call(0, 'functionList', undefined);
  const functions = libs.reduce((n, l) => n + l.functions.length, 0);
  return buildReply(ctx, (w: ReplyWriter) => {
    w.map(2);
    w.bulk('running_script');
    w.nullBulk();
    w.bulk('engines');
    w.map(1);
    w.bulk('LUA');
    w.map(2);
    w.bulk('libraries_count');
    w.integer(libs.length);
    w.bulk('functions_count');
    w.integer(functions);
  });
};

export const functionCoords: Coords = {
  'function|load': functionLoad,
  'function|delete': functionDelete,
  'function|dump': functionDump,
  'function|restore': functionRestore,
  'function|flush': functionFlush,
  'function|list': functionList,
  'function|stats': functionStats,
  // The same running-script check and kill as SCRIPT KILL (src/commands/scripting.ts).
  'function|kill': killBusyScript,
  'function|help': () => helpReply('FUNCTION', FUNCTION_HELP),
};
