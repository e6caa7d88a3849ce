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
