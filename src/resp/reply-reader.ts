/**
 * Reads replies produced by our own shards (a trusted stream, so no limits
 * checks): integers and the raw bytes of array elements, for coordinators that
 * combine per-shard replies without decoding values.
 */

/** The value of an integer reply `:N\r\n`, or null if the reply is not an integer. */
export function readInteger(reply: Buffer): number | null {
  if (reply[0] !== 58 /* ':' */) return null;
  return Number(reply.latin1Slice(1, reply.length - 2));
}

/** The text of a bulk string reply or element (`$n\r\n<bytes>\r\n`), or null for a null bulk. */
export function readBulk(reply: Buffer): string | null {
  const eol = reply.indexOf(13);
  const n = Number(reply.latin1Slice(1, eol));
  return n < 0 ? null : reply.latin1Slice(eol + 2, eol + 2 + n);
}

/** The end offset of the reply element starting at `o`. */
export function skipReply(buf: Buffer, o: number): number {
  const type = buf[o];
  const eol = buf.indexOf(13, o);
  const head = eol + 2;
  switch (type) {
    case 36: /* $ */
    case 61: /* = */
    case 33: /* ! */ {
      const n = Number(buf.latin1Slice(o + 1, eol));
      return n < 0 ? head : head + n + 2;
    }
    case 42: /* * */
    case 126: /* ~ */
    case 62: /* > */
    case 37: /* % */ {
      let n = Number(buf.latin1Slice(o + 1, eol));
      if (type === 37) n *= 2;
      let p = head;
      for (let i = 0; i < n; i++) p = skipReply(buf, p);
      return n < 0 ? head : p;
    }
    default:
      return head;
  }
}

/** The raw bytes of each element of an array reply (views, no copies), or null if not an array. */
export function arrayElements(reply: Buffer): Buffer[] | null {
  if (reply[0] !== 42 /* '*' */ && reply[0] !== 126 /* '~' */) return null;
  const eol = reply.indexOf(13);
  const n = Number(reply.latin1Slice(1, eol));
  const out: Buffer[] = [];
  let o = eol + 2;
  for (let i = 0; i < n; i++) {
    const end = skipReply(reply, o);
    out.push(reply.subarray(o, end));
    o = end;
  }
  return out;
}

export function isError(reply: Buffer): boolean {
  return reply[0] === 45; /* '-' */
}
