/**
 * A stream node: one of Redis's listpack nodes (at most stream-node-max-entries
 * entries / -bytes bytes), with the bookkeeping Redis's replies depend on and
 * the node's live entries themselves.
 *
 * The entries of every node but the last are sealed into one packed string
 * (structures/packed.ts), encoded as Redis's listpack node is: each entry's ID
 * as a delta from the node's master ID, and its field names left out when they
 * are the master entry's. A stream entry of four short strings thus costs
 * about 16 bytes instead of a BigInt, an array and four string objects (about
 * 220 bytes, 9.8x redis-server's RSS for a stream of 500k entries). The last
 * node, where XADD appends, stays open as plain arrays and is sealed when the
 * next node starts.
 *
 * Entry encoding, each item a packed entry: ms delta from the master ID
 * (decimal), seq (decimal), then either '' followed by the values of the
 * master fields, or the field count (decimal) followed by field, value pairs.
 * Deleted entries are removed from the storage; `deleted` keeps counting them
 * because Redis's node layout (and so XINFO and `~` trimming) does.
 */
import { begin, end, pushEntry, readHead } from './packed';
import { idMs, idSeq, makeId } from './stream-id';

export interface StreamNode {
  /** The master ID (the first entry ever added to the node; the rax key). */
  master: bigint;
  /** The last entry ever added (possibly deleted since). */
  last: bigint;
  masterFields: string[];
  live: number;
  deleted: number;
  /** Bytes other than the live/deleted counters. */
  fixedBytes: number;
  /** Sealed live entries, or null while the node is open. */
  packed: string | null;
  /** Open live entries (ascending IDs and their field-value lists), or null while sealed. */
  ids: bigint[] | null;
  vals: string[][] | null;
}

export interface NodeEntries {
  ids: bigint[];
  vals: string[][];
}

export function newNode(master: bigint, masterFields: string[], fixedBytes: number): StreamNode {
  return { master, last: master, masterFields, live: 0, deleted: 0, fixedBytes, packed: null, ids: [], vals: [] };
}

/** The node's live entries. For a sealed node they are decoded: a copy, to be stored back with `storeEntries` if changed. */
export function entriesOf(node: StreamNode): NodeEntries {
  if (node.ids !== null) return { ids: node.ids, vals: node.vals as string[][] };
  const packed = node.packed as string;
  const ids: bigint[] = [];
  const vals: string[][] = [];
  const ms = idMs(node.master);
  const mf = node.masterFields;
  let pos = 0;
  const next = (): string => {
    const h = readHead(packed, pos);
    pos = h.start + h.len;
    return packed.slice(h.start, pos);
  };
  while (pos < packed.length) {
    const dms = next();
    const seq = next();
    ids.push(makeId(ms + BigInt(dms), BigInt(seq)));
    const nf = next();
    if (nf === '') {
      const fv = new Array<string>(mf.length * 2);
      for (let i = 0; i < mf.length; i++) {
        fv[2 * i] = mf[i];
        fv[2 * i + 1] = next();
      }
      vals.push(fv);
    } else {
      const n = Number(nf);
      const fv = new Array<string>(n);
      for (let i = 0; i < n; i++) fv[i] = next();
      vals.push(fv);
    }
  }
  return { ids, vals };
}

/** Whether `fv` names the master entry's fields, in order. */
function sameFields(mf: readonly string[], fv: readonly string[]): boolean {
  if (fv.length !== mf.length * 2) return false;
  for (let i = 0; i < mf.length; i++) if (fv[2 * i] !== mf[i]) return false;
  return true;
}

/** Seals the node: its entries become one packed string. */
export function seal(node: StreamNode): void {
  if (node.ids === null) return;
  storeEntries(node, { ids: node.ids, vals: node.vals as string[][] }, false);
}

/** Opens the node for appends (the last node). */
export function open(node: StreamNode): NodeEntries {
  if (node.ids === null) storeEntries(node, entriesOf(node), true);
  return { ids: node.ids as bigint[], vals: node.vals as string[][] };
}

/** Puts `e` back as the node's entries, open (arrays) or sealed (packed). */
export function storeEntries(node: StreamNode, e: NodeEntries, keepOpen: boolean): void {
  if (keepOpen) {
    node.ids = e.ids;
    node.vals = e.vals;
    node.packed = null;
    return;
  }
  const ms = idMs(node.master);
  const mf = node.masterFields;
  begin();
  for (let i = 0; i < e.ids.length; i++) {
    const id = e.ids[i];
    pushEntry(String(idMs(id) - ms));
    pushEntry(String(idSeq(id)));
    const fv = e.vals[i];
    if (sameFields(mf, fv)) {
      pushEntry('');
      for (let j = 1; j < fv.length; j += 2) pushEntry(fv[j]);
    } else {
      pushEntry(String(fv.length));
      for (const s of fv) pushEntry(s);
    }
  }
  node.packed = end();
  node.ids = null;
  node.vals = null;
}

/** Index of the first entry with ID >= id in ascending `ids`. */
export function lowerBound(ids: readonly bigint[], id: bigint): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
