/**
 * Reading INFO from a test, parsed into sections (poll it with waitFor from
 * ./util: counters settle shortly after a socket closes).
 */
import type { RespClient } from './resp-client';

export type InfoSections = Record<string, Record<string, string>>;

/** INFO text as { section: { field: value } } (section names lowercase). */
export function parseInfo(text: string): InfoSections {
  const out: InfoSections = {};
  let cur: Record<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = {};
      out[line.slice(2).toLowerCase()] = cur;
    } else if (line !== '' && cur !== null) {
      const i = line.indexOf(':');
      cur[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return out;
}

export async function info(c: RespClient, ...sections: string[]): Promise<InfoSections> {
  const r = await c.call('INFO', ...sections);
  if (typeof r !== 'string') throw new Error(`INFO replied ${JSON.stringify(r)}`);
  if (r !== '' && !r.endsWith('\r\n')) throw new Error('INFO text must end with CRLF');
  return parseInfo(r);
}

/** One field of INFO `section` (looked up in every section the reply has); throws if there is none. */
export async function infoField(c: RespClient, section: string, field: string): Promise<string> {
  for (const fields of Object.values(await info(c, section))) if (field in fields) return fields[field];
  throw new Error(`INFO ${section} has no ${field}`);
}

/** infoField as a number; throws if it is not one. */
export async function infoNumber(c: RespClient, section: string, field: string): Promise<number> {
  const v = await infoField(c, section, field);
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw new Error(`INFO ${field} is not a number: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * `name` (waiters, watched_keys, result_watches) summed over the per-shard
 * lines of INFO tasks (`shardN:waiters=0,watched_keys=0,result_watches=0,script_users=0`);
 * throws if there are no shard lines or one lacks it.
 */
export async function shardTotal(c: RespClient, name: string): Promise<number> {
  const tasks = (await info(c, 'tasks')).tasks ?? {};
  const lines = Object.entries(tasks).filter(([k]) => /^shard\d+$/.test(k));
  if (lines.length === 0) throw new Error('INFO tasks has no shard lines');
  let total = 0;
  for (const [shard, v] of lines) {
    const m = new RegExp(`(?:^|,)${name}=(\\d+)(?:,|$)`).exec(v);
    if (m === null) throw new Error(`INFO tasks ${shard} has no ${name}: ${v}`);
    total += Number(m[1]);
  }
  return total;
}
