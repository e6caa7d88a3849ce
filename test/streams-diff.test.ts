/**
 * Differential tests of the stream family against a real redis-server:
 * seeded random scripts over a small key space (so commands collide on the
 * same streams and groups), with explicit, deterministic IDs (`<ms>-*` too,
 * never `*`), trimming with = and ~ (node layout matters), consumer groups,
 * PELs, claims, XINFO, wrong types, wrong arity, bad IDs and numbers, binary
 * and empty values. Time-dependent fields (idle times, delivery and seen
 * times) are masked; min-idle arguments are 0 or huge so they never depend
 * on timing.
 */
import t from 'tap';
import { MULTI_SHARD_WORKERS, noMultiShard } from './helpers/servers';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import type { Reply } from './helpers/resp-client';
import { keyHashSlot, slotToShard } from '../src/core/routing/slot';

const KEYS = ['s0', 's1', 's2', '{t}a', '{t}b', 'str', 'bin\x00\xff'];
/** Keys sharing one slot: multi-key XREAD/XREADGROUP in the main scripts. */
const SAME_SLOT = ['{t}a', '{t}b'];
const GROUPS = ['g1', 'g1', 'g1', 'g2', 'g2', 'G3', ''];
const CONSUMERS = ['c1', 'c1', 'c2', 'c2', 'c3', 'Alice', ''];
const FIELDS = ['f', 'g', 'field', '1', '', 'f\x00'];

const BAD_IDS = ['', 'abc', '1-x', '-1', '1--1', '1-2-3', '18446744073709551616', '0x10', '1.5', '-', '+', '(1', '*', '1-*', ' 1', '+1', '01'];
const BAD_INTS = ['abc', '', '1.5', '9223372036854775808', '-9223372036854775809', ' 1'];

function value(r: () => number): string | Buffer {
  const x = r();
  if (x < 0.35) return pick(r, ['v', '1', '0', '-1', '', 'hello', '123456789012', '9223372036854775807', '-4096', '4095', '127', '128']);
  if (x < 0.6) return String(Math.floor(r() * 100000) - 50000);
  if (x < 0.8) {
    const n = Math.floor(r() * 8);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    return b;
  }
  // Long values fill listpack nodes by bytes (stream-node-max-bytes) rather than by count.
  return 'x'.repeat(pick(r, [60, 63, 64, 100, 200, 500, 4000]));
}

class Gen {
  readonly out: Cmd[] = [];
  /** A rough per-key clock so most explicit IDs are increasing (Redis decides; we only aim). */
  readonly clock = new Map<string, number>();

  constructor(private readonly r: () => number, private readonly keys: readonly string[]) {}

  key(): string {
    return pick(this.r, this.keys);
  }

  /** A plausible existing-or-nearby ID (for ranges, deletes, claims). */
  nearId(key: string): string {
    const r = this.r;
    const top = this.clock.get(key) ?? 10;
    const ms = Math.max(0, Math.floor(r() * (top + 3)));
    const y = r();
    if (y < 0.6) return `${ms}-${Math.floor(r() * 3)}`;
    if (y < 0.9) return String(ms);
    if (y < 0.95) return pick(r, ['0', '0-0', '0-1', '18446744073709551615', '18446744073709551615-18446744073709551615']);
    return pick(r, BAD_IDS);
  }

  /** An ID among the newest entries: the ones groups have just delivered (XACK, XCLAIM, XDEL). */
  recentId(key: string): string {
    const r = this.r;
    if (r() < 0.15) return this.nearId(key);
    const top = this.clock.get(key) ?? 10;
    return `${Math.max(0, top - Math.floor(r() * 10))}-${r() < 0.75 ? 0 : 1}`;
  }

  rangeBound(key: string, start: boolean): string {
    const r = this.r;
    const y = r();
    if (y < 0.3) return start ? '-' : '+';
    if (y < 0.5) return `(${this.nearId(key)}`;
    if (y < 0.55) return pick(r, ['(-', '(+', '(', '(0-0', '(18446744073709551615-18446744073709551615']);
    return this.nearId(key);
  }

  /** The ID argument of XADD. */
  addId(key: string): string {
    const r = this.r;
    const top = this.clock.get(key) ?? 0;
    const y = r();
    if (y < 0.5) {
      const ms = top + Math.floor(r() * 3);
      this.clock.set(key, ms);
      return r() < 0.5 ? `${ms}-*` : `${ms}-${Math.floor(r() * 4)}`;
    }
    if (y < 0.75) {
      const ms = top + 1;
      this.clock.set(key, ms);
      return String(ms);
    }
    if (y < 0.88) return `${Math.max(0, top - Math.floor(r() * 3))}-${Math.floor(r() * 3)}`; // often too small
    // The ends of the ID space are tried on the 'edge' key only, so the other streams never run out of IDs.
    if (y < 0.95) return pick(r, ['0-0', '0', '0-*']);
    // Not '*': an auto ID depends on the clock.
    return pick(r, BAD_IDS.filter((b) => b !== '*'));
  }

  fieldValues(): (string | Buffer)[] {
    const r = this.r;
    const out: (string | Buffer)[] = [];
    // Mostly the same field set so entries share the node's master fields.
    if (r() < 0.6) return ['f', value(r)];
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out.push(pick(r, FIELDS), value(r));
    return out;
  }

  trimSpec(key: string): string[] {
    const r = this.r;
    const out: string[] = [];
    const strategy = r() < 0.6 ? pick(r, ['MAXLEN', 'maxlen']) : pick(r, ['MINID', 'minid']);
    out.push(strategy);
    const mod = r();
    if (mod < 0.35) out.push('~');
    else if (mod < 0.5) out.push('=');
    if (strategy.toLowerCase() === 'maxlen') out.push(r() < 0.9 ? String(Math.floor(r() * 250)) : pick(r, ['-1', ...BAD_INTS]));
    else out.push(this.nearId(key));
    const l = r();
    if (l < 0.15) out.push('LIMIT', pick(r, ['0', '1', '50', '100', '150', '1000', '-1', 'abc']));
    return out;
  }

  count(): string {
    const r = this.r;
    return r() < 0.9 ? pick(r, ['1', '2', '3', '5', '10', '100']) : pick(r, ['0', '-1', ...BAD_INTS.slice(0, 2)]);
  }

  minIdle(): string {
    // Either everything qualifies or nothing does, whatever the timing.
    return pick(this.r, ['0', '0', '0', '1000000000', '-5']);
  }

  push(...cmds: Cmd[]): void {
    this.out.push(...cmds);
  }
}

/**
 * A consumer-group scenario on a fresh stream whose IDs the script knows
 * (1-0 .. N-0), so acks, claims and PEL queries hit real pending entries.
 */
function scenario(g: Gen, r: () => number, key: string): void {
  const n = 5 + Math.floor(r() * 35);
  let top = n;
  const id = (): string => `${1 + Math.floor(r() * (top + 1))}-0`;
  const grp = (): string => (r() < 0.7 ? 'g1' : pick(r, ['g2', 'nog']));
  const cons = (): string => pick(r, ['c1', 'c2', 'c3', 'c1']);
  g.push(['DEL', key]);
  for (let i = 1; i <= n; i++) g.push(['XADD', key, `${i}-0`, ...(r() < 0.8 ? ['f', `v${i}`] : ['a', String(i), 'b', ''])]);
  g.push(['XGROUP', 'create', key, 'g1', pick(r, ['0', '0', `${Math.floor(n / 2)}-0`])]);
  if (r() < 0.5) g.push(['XGROUP', 'create', key, 'g2', pick(r, ['$', '0', '3'])]);
  const ops = 20 + Math.floor(r() * 40);
  for (let k = 0; k < ops; k++) {
    const y = Math.floor(r() * 16);
    switch (y) {
      case 0: case 1: case 2: {
        const count = r() < 0.7 ? ['COUNT', String(1 + Math.floor(r() * 6))] : [];
        const noack = r() < 0.1 ? ['NOACK'] : [];
        const from = r() < 0.7 ? '>' : pick(r, ['0', id(), '0-0']);
        g.push(['XREADGROUP', 'GROUP', grp(), cons(), ...count, ...noack, 'STREAMS', key, from]);
        break;
      }
      case 3: case 4: g.push(['XACK', key, grp(), ...Array.from({ length: 1 + Math.floor(r() * 3) }, id)]); break;
      case 5: case 6: {
        const opts: string[] = [];
        if (r() < 0.2) opts.push('IDLE', pick(r, ['0', '5000000000000']));
        if (r() < 0.1) opts.push('TIME', pick(r, ['1000', '99999999999999']));
        if (r() < 0.2) opts.push('RETRYCOUNT', pick(r, ['0', '7', '-1']));
        if (r() < 0.15) opts.push('FORCE');
        if (r() < 0.3) opts.push('JUSTID');
        if (r() < 0.1) opts.push('LASTID', id());
        g.push(['XCLAIM', key, grp(), cons(), r() < 0.85 ? '0' : '1000000000', ...Array.from({ length: 1 + Math.floor(r() * 3) }, id), ...opts]);
        break;
      }
      case 7: {
        const opts = r() < 0.6 ? ['COUNT', String(1 + Math.floor(r() * 5))] : [];
        if (r() < 0.3) opts.push('JUSTID');
        g.push(['XAUTOCLAIM', key, grp(), cons(), r() < 0.85 ? '0' : '1000000000', pick(r, ['0', '-', id(), `(${id()}`]), ...opts]);
        break;
      }
      case 8: case 9: {
        if (r() < 0.4) g.push(['XPENDING', key, grp()]);
        else {
          const idle = r() < 0.2 ? ['IDLE', pick(r, ['0', '1000000000'])] : [];
          const c = r() < 0.4 ? [cons()] : [];
          g.push(['XPENDING', key, grp(), ...idle, pick(r, ['-', id(), `(${id()}`]), pick(r, ['+', id()]), String(1 + Math.floor(r() * 10)), ...c]);
        }
        break;
      }
      case 10: g.push(['XDEL', key, id()]); break;
      case 11: top++; g.push(['XADD', key, `${top}-0`, 'f', `v${top}`]); break;
      case 12: {
        const z = r();
        if (z < 0.4) g.push(['XINFO', 'groups', key]);
        else if (z < 0.7) g.push(['XINFO', 'consumers', key, grp()]);
        else g.push(['XINFO', 'stream', key, 'FULL', ...(r() < 0.5 ? ['COUNT', pick(r, ['2', '0'])] : [])]);
        break;
      }
      case 13: g.push(['XGROUP', 'setid', key, grp(), pick(r, ['0', '$', id()]), ...(r() < 0.3 ? ['ENTRIESREAD', pick(r, ['0', '3', '-1'])] : [])]); break;
      case 14: g.push(['XGROUP', pick(r, ['delconsumer', 'createconsumer']), key, grp(), cons()]); break;
      case 15: g.push(['XTRIM', key, pick(r, ['MAXLEN', 'MINID']), r() < 0.5 ? String(Math.floor(r() * top)) : id()]); break;
    }
  }
}

function generate(seed: number, n: number, keys: readonly string[] = KEYS, sameSlot: readonly string[] = SAME_SLOT): Cmd[] {
  const r = rng(seed);
  const g = new Gen(r, keys);
  for (const k of keys.slice(0, 3)) {
    for (let i = 1; i <= 5; i++) g.push(['XADD', k, `${i}-1`, 'f', `v${i}`]);
  }
  g.push(['SET', 'str', 'x']);
  while (g.out.length < n) {
    const key = g.key();
    if (r() < 0.012) {
      scenario(g, r, pick(r, ['sc0', 'sc1']));
      continue;
    }
    const y0 = Math.floor(r() * 48);
    // 40..47: more group traffic (create with MKSTREAM, XREADGROUP, claims).
    const y = y0 < 40 ? y0 : [16, 16, 20, 21, 26, 28, 23, 24][y0 - 40];
    switch (y) {
      case 0: case 1: case 2: case 3: case 4: case 5: {
        const opts: string[] = [];
        if (r() < 0.1) opts.push(pick(r, ['NOMKSTREAM', 'nomkstream']));
        if (r() < 0.25) opts.push(...g.trimSpec(key));
        const id = g.addId(key);
        const fv = r() < 0.03 ? ['f'] : g.fieldValues();
        g.push(['XADD', key, ...opts, id, ...fv]);
        break;
      }
      case 6: case 7: {
        // Bursts fill several listpack nodes so ~ trimming and node counts matter.
        const burst = r() < 0.25 ? 20 + Math.floor(r() * 120) : 1 + Math.floor(r() * 4);
        for (let i = 0; i < burst; i++) g.push(['XADD', key, g.addId(key).replace(/^\d+$/, (m) => `${m}-*`), ...g.fieldValues()]);
        break;
      }
      case 8: g.push(['XLEN', key]); break;
      case 9: case 10: {
        const c = r() < 0.5 ? ['COUNT', g.count()] : [];
        if (r() < 0.05) c.push(pick(r, ['COUNT', 'foo']));
        g.push(['XRANGE', key, g.rangeBound(key, true), g.rangeBound(key, false), ...c]);
        break;
      }
      case 11: {
        const c = r() < 0.5 ? ['COUNT', g.count()] : [];
        g.push(['XREVRANGE', key, g.rangeBound(key, false), g.rangeBound(key, true), ...c]);
        break;
      }
      case 12: case 13: {
        const ids = Array.from({ length: 1 + Math.floor(r() * 4) }, () => g.recentId(key));
        g.push(['XDEL', key, ...ids]);
        break;
      }
      case 14: g.push(['XTRIM', key, ...g.trimSpec(key)]); break;
      case 15: {
        const opts: string[] = [];
        if (r() < 0.4) opts.push('COUNT', g.count());
        if (r() < 0.1) opts.push('BLOCK', pick(r, ['-1', 'abc']));
        const multi = r() < 0.3;
        const ks = multi ? [...sameSlot] : [key];
        const ids = ks.map((k) => (r() < 0.2 ? '$' : r() < 0.05 ? '>' : g.nearId(k)));
        g.push(['XREAD', ...opts, 'STREAMS', ...ks, ...ids]);
        break;
      }
      case 16: case 17: {
        const mk = r() < 0.6 ? ['MKSTREAM'] : [];
        const er = r() < 0.2 ? ['ENTRIESREAD', pick(r, ['0', '3', '-1', '-2', '1000', 'x'])] : [];
        const id = r() < 0.3 ? '$' : g.nearId(key);
        g.push(['XGROUP', 'create', key, pick(r, GROUPS), id, ...(r() < 0.5 ? [...mk, ...er] : [...er, ...mk])]);
        break;
      }
      case 18: {
        const id = r() < 0.2 ? '$' : g.nearId(key);
        const er = r() < 0.3 ? [pick(r, ['ENTRIESREAD', 'entriesread', 'foo']), pick(r, ['0', '2', '-1', '-5', 'x'])] : [];
        g.push(['XGROUP', 'setid', key, pick(r, GROUPS), id, ...er]);
        break;
      }
      case 19: {
        const sub = pick(r, ['destroy', 'createconsumer', 'delconsumer', 'createconsumer']);
        if (sub === 'destroy') g.push(['XGROUP', sub, key, pick(r, GROUPS)]);
        else g.push(['XGROUP', sub, key, pick(r, GROUPS), pick(r, CONSUMERS)]);
        break;
      }
      case 20: case 21: case 22: {
        const opts: string[] = [];
        if (r() < 0.4) opts.push('COUNT', g.count());
        if (r() < 0.15) opts.push('NOACK');
        if (r() < 0.05) opts.push('BLOCK', '10');
        const multi = r() < 0.2;
        const ks = multi ? [...sameSlot] : [key];
        const ids = ks.map((k) => (r() < 0.6 ? '>' : r() < 0.05 ? '$' : g.nearId(k)));
        g.push(['XREADGROUP', 'GROUP', pick(r, GROUPS), pick(r, CONSUMERS), ...opts, 'STREAMS', ...ks, ...ids]);
        break;
      }
      case 23: {
        const ids = Array.from({ length: 1 + Math.floor(r() * 4) }, () => g.recentId(key));
        g.push(['XACK', key, pick(r, GROUPS), ...ids]);
        break;
      }
      case 24: case 25: {
        const grp = pick(r, GROUPS);
        const z = r();
        if (z < 0.35) g.push(['XPENDING', key, grp]);
        else {
          const idle = r() < 0.3 ? ['IDLE', g.minIdle()] : [];
          const cons = r() < 0.4 ? [pick(r, CONSUMERS)] : [];
          g.push(['XPENDING', key, grp, ...idle, g.rangeBound(key, true), g.rangeBound(key, false), g.count(), ...cons]);
        }
        break;
      }
      case 26: case 27: {
        const ids = Array.from({ length: 1 + Math.floor(r() * 3) }, () => g.recentId(key));
        const opts: string[] = [];
        if (r() < 0.2) opts.push('IDLE', pick(r, ['0', '5000000000000', '-1', 'x']));
        if (r() < 0.15) opts.push('TIME', pick(r, ['1000', '0', '-5', '99999999999999', 'x']));
        if (r() < 0.2) opts.push('RETRYCOUNT', pick(r, ['0', '5', '-1', '9223372036854775807', 'x']));
        if (r() < 0.2) opts.push('FORCE');
        if (r() < 0.3) opts.push('JUSTID');
        if (r() < 0.1) opts.push('LASTID', g.nearId(key));
        if (r() < 0.03) opts.push(pick(r, ['BOGUS', 'IDLE']));
        g.push(['XCLAIM', key, pick(r, GROUPS), pick(r, CONSUMERS), g.minIdle(), ...ids, ...opts]);
        break;
      }
      case 28: case 29: {
        const opts: string[] = [];
        if (r() < 0.5) opts.push('COUNT', r() < 0.9 ? pick(r, ['1', '2', '3', '10']) : pick(r, ['0', '-1', 'x']));
        if (r() < 0.3) opts.push('JUSTID');
        if (r() < 0.03) opts.push('FOO');
        g.push(['XAUTOCLAIM', key, pick(r, GROUPS), pick(r, CONSUMERS), g.minIdle(), g.rangeBound(key, true), ...opts]);
        break;
      }
      case 30: case 31: {
        const z = r();
        if (z < 0.4) g.push(['XINFO', 'stream', key]);
        else if (z < 0.6) g.push(['XINFO', 'stream', key, 'FULL', ...(r() < 0.5 ? ['COUNT', pick(r, ['0', '1', '3', '-1', 'x'])] : [])]);
        else if (z < 0.8) g.push(['XINFO', 'groups', key]);
        else g.push(['XINFO', 'consumers', key, pick(r, GROUPS)]);
        break;
      }
      case 32: {
        const opts: string[] = [];
        if (r() < 0.3) opts.push('ENTRIESADDED', pick(r, ['0', '5', '1000', '-1', 'x']));
        if (r() < 0.3) opts.push('MAXDELETEDID', g.nearId(key));
        const top = g.clock.get(key) ?? 10;
        const id = r() < 0.8 ? `${top + Math.floor(r() * 3)}-${Math.floor(r() * 3)}` : pick(r, [...BAD_IDS, '0', '3-1']);
        g.push(['XSETID', key, id, ...opts]);
        break;
      }
      case 33: {
        // Wrong arity.
        const name = pick(r, ['XADD', 'XLEN', 'XRANGE', 'XREVRANGE', 'XDEL', 'XTRIM', 'XREAD', 'XREADGROUP', 'XACK', 'XPENDING', 'XCLAIM', 'XAUTOCLAIM', 'XSETID', 'XGROUP', 'XINFO']);
        const n = Math.floor(r() * 4);
        // A key with a NUL would become XGROUP/XINFO's subcommand name; the dispatcher quotes it whole (see report).
        const k = key.includes('\0') ? 's0' : key;
        g.push([name, ...Array.from({ length: n }, () => k)]);
        break;
      }
      case 34: {
        const sub = pick(r, ['create', 'setid', 'destroy', 'createconsumer', 'delconsumer', 'help', 'bogus']);
        g.push(['XGROUP', sub, ...Array.from({ length: Math.floor(r() * 7) }, () => pick(r, [key, 'g1', '0', 'MKSTREAM', 'c1']))]);
        break;
      }
      case 35: {
        const c = pick(r, ['TYPE', 'EXISTS', 'OBJECT']);
        g.push(c === 'OBJECT' ? ['OBJECT', 'ENCODING', key] : [c, key]);
        break;
      }
      case 36: if (r() < 0.3 || key === 'str') g.push(['DEL', key]); else g.push(['XLEN', key]); break;
      case 37: if (r() < 0.05) g.push(['SET', key, 'plain']); else g.push(['XRANGE', key, '-', '+', 'COUNT', '3']); break;
      case 38: g.push(['XINFO', pick(r, ['help', 'bogus'])], ['XGROUP', 'help']); break;
      case 39: {
        // The ends of the ID space, on a key of their own.
        const z = r();
        if (z < 0.15) g.push(['DEL', 'edge']);
        else if (z < 0.3) g.push(['XSETID', 'edge', pick(r, ['18446744073709551615-18446744073709551614', '18446744073709551614-18446744073709551615', '18446744073709551615'])]);
        else if (z < 0.4) g.push(['XRANGE', 'edge', pick(r, ['-', '(18446744073709551615-18446744073709551614']), '+'], ['XINFO', 'STREAM', 'edge']);
        else if (z < 0.5) g.push(['XREAD', 'STREAMS', 'edge', pick(r, ['18446744073709551615-18446744073709551614', '18446744073709551615-18446744073709551615', '$'])]);
        else {
          const id = pick(r, ['18446744073709551615-18446744073709551614', '18446744073709551615-*', '18446744073709551614-18446744073709551615', '18446744073709551615-18446744073709551615', '18446744073709551615']);
          g.push(['XADD', 'edge', id, 'f', 'v']);
        }
        break;
      }
    }
  }
  return g.out;
}

/** Masks the time-dependent parts of a reply (idle times, delivery and seen times). */
function normalize(cmd: Cmd, reply: Reply): Reply {
  const name = String(cmd[0]).toUpperCase();
  const sub = String(cmd[1] ?? '').toUpperCase();
  if (!Array.isArray(reply)) return reply;
  if (name === 'XPENDING' && cmd.length >= 6) {
    return reply.map((row) => (Array.isArray(row) && row.length === 4 ? [row[0], row[1], 'T', row[3]] : row));
  }
  if (name === 'XINFO' && sub === 'CONSUMERS') {
    return reply.map((c) => (Array.isArray(c) ? c.map((x, i) => (i === 5 ? 'T' : x)) : c));
  }
  if (name === 'XINFO' && sub === 'STREAM' && cmd.length > 3) {
    const out = [...reply];
    const gi = out.indexOf('groups');
    const groups = out[gi + 1];
    if (Array.isArray(groups)) {
      out[gi + 1] = groups.map((grp) => {
        if (!Array.isArray(grp)) return grp;
        const g2 = [...grp];
        const pi = g2.indexOf('pending');
        const pending = g2[pi + 1];
        if (Array.isArray(pending)) g2[pi + 1] = pending.map((p) => (Array.isArray(p) ? [p[0], p[1], 'T', p[3]] : p));
        const ci = g2.indexOf('consumers');
        const consumers = g2[ci + 1];
        if (Array.isArray(consumers)) {
          g2[ci + 1] = consumers.map((c) => {
            if (!Array.isArray(c)) return c;
            const c2 = [...c];
            c2[c2.indexOf('seen-time') + 1] = 'T';
            const cpi = c2.indexOf('pending');
            const cp = c2[cpi + 1];
            if (Array.isArray(cp)) c2[cpi + 1] = cp.map((p) => (Array.isArray(p) ? [p[0], 'T', p[2]] : p));
            return c2;
          });
        }
        return g2;
      });
    }
    return out;
  }
  return reply;
}


const diff = new DifferentialSuite(t);

diff.test('streams against redis-server: random scripts', async (t, s) => {
  for (const seed of [1, 2]) await s.check(`seed ${seed}`, generate(seed * 7919 + s.workers, 4000), { normalize });
});

diff.test('streams against redis-server: node layout, ~ trimming and XINFO node counts over long streams', async (t, s) => {
  const r = rng(4242);
  const script: Cmd[] = [];
  for (let round = 0; round < 6; round++) {
    const key = `long${round}`;
    let ms = 1;
    for (let i = 0; i < 700; i++) {
      const size = pick(r, [1, 10, 30, 60, 64, 120, 300]);
      const fv = r() < 0.7 ? ['f', 'v'.repeat(size)] : ['f', String(i), 'other', 'x'.repeat(size)];
      ms += Math.floor(r() * 3);
      script.push(['XADD', key, `${ms}-*`, ...fv]);
      if (i % 97 === 0) script.push(['XDEL', key, `${Math.floor(r() * ms)}-0`, `${Math.floor(r() * ms)}-1`]);
      if (i % 150 === 149) script.push(['XINFO', 'STREAM', key]);
      // Reads and deletes that land in sealed (packed) nodes as well as the open last one.
      if (i % 61 === 60) {
        script.push(['XRANGE', key, String(Math.floor(r() * ms)), '+', 'COUNT', '7']);
        script.push(['XREVRANGE', key, String(Math.floor(r() * ms)), '-', 'COUNT', '7']);
        script.push(['XDEL', key, `${Math.floor(r() * ms)}-0`]);
      }
    }
    script.push(['XRANGE', key, '-', '+'], ['XREVRANGE', key, '+', '-', 'COUNT', '250']);
    script.push(['XTRIM', key, 'MAXLEN', '~', String(Math.floor(r() * 600))], ['XINFO', 'STREAM', key]);
    script.push(['XTRIM', key, 'MINID', '~', `${Math.floor(r() * ms)}`], ['XINFO', 'STREAM', key]);
    script.push(['XTRIM', key, 'MAXLEN', '~', '0', 'LIMIT', '150'], ['XINFO', 'STREAM', key]);
    script.push(['XTRIM', key, 'MAXLEN', String(Math.floor(r() * 300))], ['XINFO', 'STREAM', key]);
    script.push(['XTRIM', key, 'MINID', `${Math.floor(ms * 0.8)}-1`], ['XRANGE', key, '-', '+', 'COUNT', '20']);
    script.push(['XADD', key, 'MAXLEN', '~', '120', `${ms + 1}-*`, 'f', 'v'], ['XINFO', 'STREAM', key, 'FULL', 'COUNT', '2']);
  }
  await s.check('long streams', script, { normalize });
});

diff.test(
  'streams against redis-server: multi-key XREAD/XREADGROUP with keys on different shards',
  async (t, s) => {
    const shardOf = (k: string): number => slotToShard(keyHashSlot(Buffer.from(k, 'latin1')), s.workers);
    // Three keys, on different shards while there are shards left.
    const keys: string[] = [];
    for (let i = 0; keys.length < 3; i++) {
      const k = `xs${i}`;
      if (keys.every((o) => shardOf(o) !== shardOf(k)) || new Set(keys.map(shardOf)).size === s.workers) keys.push(k);
    }
    const script: Cmd[] = [];
    for (const k of keys) {
      for (let i = 1; i <= 4; i++) script.push(['XADD', k, `${i}-0`, 'f', `${k}:${i}`]);
      script.push(['XGROUP', 'create', k, 'g', '0']);
    }
    script.push(['XREAD', 'STREAMS', ...keys, '0', '2', '$']);
    script.push(['XREAD', 'COUNT', '1', 'STREAMS', ...keys, '0', '0', '0']);
    script.push(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', ...keys, '>', '>', '>']);
    script.push(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', ...keys, '0', '>', '1-0']);
    script.push(['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', ...keys, '>', '>', '>']);
    for (const k of keys) script.push(['XPENDING', k, 'g'], ['XINFO', 'GROUPS', k], ['XINFO', 'CONSUMERS', k, 'g']);
    // A random script over keys on different shards.
    script.push(...generate(99, 1500, [...keys, 'str'], keys.slice(0, 2)));
    await s.check('keys on different shards', script, { normalize });
  },
  { workers: MULTI_SHARD_WORKERS, noWorkers: noMultiShard },
);

/** `WATCH key`, then `cmd` on the same connection, then an empty transaction: EXEC runs ([]) unless `cmd` touched the key. */
function watchedAcross(key: string, cmd: Cmd): Cmd[] {
  return [['WATCH', key], cmd, ['MULTI'], ['EXEC']];
}

diff.test('streams against redis-server: consumer-group commands and XSETID leave WATCH alone (Redis 7.0)', async (t, s) => {
  const setup: Cmd[] = [['XADD', 's', '1-0', 'f', 'v'], ['XADD', 's', '2-0', 'f', 'v'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c']];
  const groupCommands: Cmd[] = [
    ['XREADGROUP', 'GROUP', 'g', 'new', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'other', 'STREAMS', 's', '0'],
    ['XCLAIM', 's', 'g', 'd', '0', '1-0'],
    ['XAUTOCLAIM', 's', 'g', 'e', '0', '0', 'JUSTID'],
    ['XGROUP', 'CREATE', 's', 'g2', '0'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'x'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'x'],
    ['XGROUP', 'SETID', 's', 'g', '0'],
    ['XGROUP', 'DESTROY', 's', 'g2'],
    ['XGROUP', 'CREATE', 's', 'g3', '0', 'MKSTREAM'],
  ];
  const script: Cmd[] = [...setup];
  for (const cmd of groupCommands) script.push(...watchedAcross('s', cmd));
  // XSETID changes only the stream's metadata: not signalled either (same ID, or a later one).
  script.push(...watchedAcross('s', ['XSETID', 's', '2-0']), ...watchedAcross('s', ['XSETID', 's', '9-0', 'ENTRIESADDED', '5', 'MAXDELETEDID', '3-0']));
  // MKSTREAM's new stream is signalled; XDEL still touches the key.
  script.push(...watchedAcross('made', ['XGROUP', 'CREATE', 'made', 'g', '$', 'MKSTREAM']));
  script.push(...watchedAcross('s', ['XDEL', 's', '1-0']));
  await s.check('WATCH around group commands', script, { normalize });
});

diff.test('streams against redis-server: XADD at the last sequence or the last ID', async (t, s) => {
  const max = '18446744073709551615';
  await s.check('XADD at the limits', [
    ['XADD', 't', `5-${max}`, 'f', 'v'], ['XADD', 't', '5-*', 'f', 'v'], ['XADD', 't', '4-*', 'f', 'v'], ['XADD', 't', '6-*', 'f', 'v'],
    ['XADD', 'u', `${max}-${max}`, 'f', 'v'], ['XADD', 'u', '*', 'f', 'v'], ['XADD', 'u', `${max}-*`, 'f', 'v'], ['XADD', 'u', `${max}-${max}`, 'f', 'v'],
    ['XADD', 'v', `${max}-5`, 'f', 'v'], ['XADD', 'v', '*', 'f', 'v'], ['XADD', 'v', `${max}-*`, 'f', 'v'],
    ['XADD', 'w', `99999999999999-${max}`, 'f', 'v'], ['XADD', 'w', '*', 'f', 'v'], ['XADD', 'w', '99999999999999-*', 'f', 'v'],
    ['XRANGE', 't', '-', '+'], ['XRANGE', 'u', '-', '+'], ['XRANGE', 'v', '-', '+'], ['XRANGE', 'w', '-', '+'],
  ]);
});

diff.test('streams against redis-server: XGROUP/XINFO subcommand errors echo the subcommand as typed', async (t, s) => {
  const script: Cmd[] = [['XADD', 's', '1-0', 'f', 'v'], ['XGROUP', 'CREATE', 's', 'g', '0']];
  for (const create of ['CREATE', 'create', 'CrEaTe']) {
    script.push(['XGROUP', create, 's', 'g2', '$', 'MKSTREAM', 'junk'], ['XGROUP', create, 'm', 'g', '$', 'MKSTREAM', 'ENTRIESREAD', '1', 'x']);
    script.push(['XGROUP', create, 's', 'g3', '0', 'ENTRIESREAD']);
  }
  for (const setid of ['SETID', 'setid', 'SetId']) script.push(['XGROUP', setid, 's', 'g', '0', 'junk'], ['XGROUP', setid, 's', 'g', '0', 'NOPE', '1']);
  for (const stream of ['STREAM', 'stream', 'sTrEaM']) script.push(['XINFO', stream, 's', 'junk'], ['XINFO', stream, 's', 'FULL', 'junk'], ['XINFO', stream, 's', 'FULL', 'COUNT']);
  script.push(['XGROUP', 'HeLp', 'x'], ['XINFO', 'Nope'], ['XGROUP', 'Nope', 's']);
  await s.check('subcommand errors', script, { normalize });
});
