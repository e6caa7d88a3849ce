/**
 * What a write command is logged as in the AOF, given its reply (Redis's
 * propagation: relative times become absolute deadlines, IDs and random
 * choices become the ones made, blocking commands their non-blocking forms).
 * Replaying the log then rebuilds the same data whenever it is read back.
 */
import { arrayElements, isError, readBulk } from '../resp/reply-reader';
import { migrateKeysAndCopy } from '../core/commands/key-finders';

export type Cmd = string[];

const lower = (s: string): string => s.toLowerCase();

/** EXPIRE/PEXPIRE/EXPIREAT's deadline in ms, or null when not a plain integer. */
function toMs(v: string, unitMs: number, base: number): string | null {
  if (!/^-?[0-9]+$/.test(v)) return null;
  const n = BigInt(v) * BigInt(unitMs) + BigInt(base);
  return n.toString();
}

/**
 * The commands to log for `args` (as the client sent them) that replied
 * `reply` at about `now` (ms): [] when nothing changed, or the command as is.
 */
export function aofForm(args: readonly string[], reply: Buffer, now: number): Cmd[] {
  if (isError(reply)) return [];
  const name = lower(args[0]);
  const a = [...args];
  switch (name) {
    case 'expire':
    case 'pexpire':
    case 'expireat': {
      const ms = toMs(a[2], name === 'pexpire' ? 1 : 1000, name === 'expireat' ? 0 : now);
      if (ms === null) return [a];
      return [['PEXPIREAT', a[1], ms, ...a.slice(3)]];
    }
    case 'setex':
    case 'psetex': {
      const ms = toMs(a[2], name === 'setex' ? 1000 : 1, now);
      return ms === null ? [a] : [['SET', a[1], a[3], 'PXAT', ms]];
    }
    case 'set':
    case 'getex': {
      // EX/PX become PXAT, EXAT becomes PXAT (GETEX: logged as the TTL change it made).
      const out = [a[0], a[1]];
      let i = 2;
      if (name === 'set') {
        out.push(a[2]);
        i = 3;
      }
      let ttlMs: string | null = null;
      let persist = false;
      for (; i < a.length; i++) {
        const o = lower(a[i]);
        if ((o === 'ex' || o === 'px' || o === 'exat' || o === 'pxat') && i + 1 < a.length) {
          ttlMs = toMs(a[i + 1], o === 'ex' || o === 'exat' ? 1000 : 1, o === 'ex' || o === 'px' ? now : 0);
          if (ttlMs === null) return [a];
          i++;
          if (name === 'set') out.push('PXAT', ttlMs);
        } else if (o === 'persist') persist = true;
        else if (name === 'set') out.push(a[i]);
      }
      if (name === 'getex') {
        if (readBulk(reply) === null) return [];
        if (persist) return [['PERSIST', a[1]]];
        return ttlMs === null ? [] : [['PEXPIREAT', a[1], ttlMs]];
      }
      // SET ... NX/XX that did not set replies nil (or, with GET, the old value: logged anyway, harmless).
      if (reply[0] === 36 /* $ */ && reply[1] === 45 /* - */ && !a.some((x) => lower(x) === 'get')) return [];
      if (reply[0] === 95 /* _ */ && !a.some((x) => lower(x) === 'get')) return [];
      return [out];
    }
    case 'restore':
    case 'restore-asking': {
      // RESTORE-ASKING (a MIGRATE into this cluster node) is a RESTORE once applied: logged as one, which a restarted shard can replay.
      const cmd = name === 'restore' ? a[0] : 'RESTORE';
      const ttl = a[2];
      if (ttl !== '0' && !a.slice(4).some((x) => lower(x) === 'absttl')) {
        const ms = toMs(ttl, 1, now);
        if (ms !== null) return [[cmd, a[1], ms, ...a.slice(3), 'ABSTTL']];
      }
      return [[cmd, ...a.slice(1)]];
    }
    case 'migrate': {
      // The keys left for the target: logged as their deletion, as Redis
      // propagates MIGRATE (replaying a MIGRATE would move them again, or
      // bring them back when the target refuses). +NOKEY and COPY changed
      // nothing here. After an error reply the coordinator logs the keys the
      // target took before it refused one (commands/migrate.ts).
      if (reply.latin1Slice(0, 3) !== '+OK') return [];
      const { keys, copy } = migrateKeysAndCopy(a);
      return copy || keys.length === 0 ? [] : [['DEL', ...keys.map((p) => a[p])]];
    }
    case 'xadd': {
      const id = readBulk(reply);
      if (id === null) return [];
      // The ID argument is the first one after the options (NOMKSTREAM, MAXLEN/MINID [=|~] n [LIMIT c]).
      let i = 2;
      while (i < a.length) {
        const o = lower(a[i]);
        if (o === 'nomkstream') i++;
        else if (o === 'maxlen' || o === 'minid') {
          i += a[i + 1] === '=' || a[i + 1] === '~' ? 3 : 2;
        } else if (o === 'limit') i += 2;
        else break;
      }
      a[i] = id;
      return [a];
    }
    case 'spop': {
      if (a.length === 2) {
        const m = readBulk(reply);
        return m === null ? [] : [['SREM', a[1], m]];
      }
      const els = arrayElements(reply);
      if (els === null || els.length === 0) return [];
      return [['SREM', a[1], ...els.map((e) => readBulk(e) as string)]];
    }
    case 'blpop':
    case 'brpop': {
      const els = arrayElements(reply);
      if (els === null) return [];
      return [[name === 'blpop' ? 'LPOP' : 'RPOP', readBulk(els[0]) as string]];
    }
    case 'bzpopmin':
    case 'bzpopmax': {
      const els = arrayElements(reply);
      if (els === null) return [];
      return [[name === 'bzpopmin' ? 'ZPOPMIN' : 'ZPOPMAX', readBulk(els[0]) as string]];
    }
    case 'brpoplpush':
      return readBulk(reply) === null ? [] : [['RPOPLPUSH', a[1], a[2]]];
    case 'blmove':
      return readBulk(reply) === null ? [] : [['LMOVE', a[1], a[2], a[3], a[4]]];
    case 'blmpop':
    case 'bzmpop': {
      const els = arrayElements(reply);
      if (els === null) return [];
      const key = readBulk(els[0]) as string;
      const n = arrayElements(els[1])?.length ?? 1;
      // numkeys keys... LEFT|RIGHT|MIN|MAX: logged as the one key served, with the count taken.
      const numkeys = Number(a[2]);
      const where = a[3 + numkeys];
      return [[name === 'blmpop' ? 'LMPOP' : 'ZMPOP', '1', key, where, 'COUNT', String(n)]];
    }
    default:
      return [a];
  }
}

/** A command as RESP, the AOF's format. */
export function encodeCommand(cmd: readonly string[]): Buffer {
  const parts: string[] = [`*${cmd.length}\r\n`];
  for (const s of cmd) parts.push(`$${s.length}\r\n`, s, '\r\n');
  return Buffer.from(parts.join(''), 'latin1');
}
