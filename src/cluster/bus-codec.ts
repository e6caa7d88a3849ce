/**
 * The cluster bus's binary messages, as Redis 7.0 lays them out (cluster.h's
 * clusterMsg), learned from the documentation and from redis-server 7.0.15's
 * own traffic. Integers are big-endian. Every message starts with a
 * 2256-byte header:
 *
 *   0 "RCmb"  4 totlen u32  8 ver u16 (1)  10 port u16  12 type u16  14 count u16
 *   16 currentEpoch u64  24 configEpoch u64  32 offset u64  40 sender[40]
 *   80 myslots[2048]  2128 slaveof[40]  2168 myip[46]  2214 extensions u16
 *   2216 reserved[30]  2246 pport u16  2248 cport u16  2250 flags u16
 *   2252 state u8  2253 mflags[3]
 *
 * then the type's data: gossip entries (104 bytes each) and ping extensions
 * for PING/PONG/MEET, a node name for FAIL, channel and message for PUBLISH,
 * epoch, name and slot bitmap for UPDATE; nothing for the failover messages.
 */
import { SLOT_COUNT } from '../core/routing/slot';
import { NAME_LEN } from './node';

export const MSG_PING = 0;
export const MSG_PONG = 1;
export const MSG_MEET = 2;
export const MSG_FAIL = 3;
export const MSG_PUBLISH = 4;
export const MSG_FAILOVER_AUTH_REQUEST = 5;
export const MSG_FAILOVER_AUTH_ACK = 6;
export const MSG_UPDATE = 7;
export const MSG_MFSTART = 8;
export const MSG_MODULE = 9;
export const MSG_PUBLISHSHARD = 10;

/** mflags[0] bits. */
export const MFLAG0_PAUSED = 1;
export const MFLAG0_FORCEACK = 2;
export const MFLAG0_EXT_DATA = 4;

/** Ping extension types (7.0 knows the hostname). */
export const EXT_HOSTNAME = 0;

export const HEADER_LEN = 2256;
export const GOSSIP_LEN = 104;
const IP_LEN = 46;
const SLOTS_LEN = SLOT_COUNT / 8;
const UPDATE_LEN = 8 + NAME_LEN + SLOTS_LEN;
/** A message longer than this is refused (Redis has no limit beyond memory; a bound keeps a bad peer from making us buffer without end). */
export const MAX_MESSAGE = 64 * 1024 * 1024;

export interface Gossip {
  name: string;
  /** Seconds (Redis sends ms / 1000, truncated to 32 bits). */
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

export interface BusHeader {
  type: number;
  count: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  myslots: Uint8Array;
  /** The sender's master, or null for a master. */
  slaveof: string | null;
  /** The address the sender announces (cluster-announce-ip), '' when none. */
  myip: string;
  port: number;
  pport: number;
  cport: number;
  flags: number;
  /** 0 ok, 1 fail. */
  state: number;
  mflags0: number;
}

export type BusMessage =
  | (BusHeader & { kind: 'ping'; gossip: Gossip[]; hostname: string | null })
  | (BusHeader & { kind: 'fail'; about: string })
  | (BusHeader & { kind: 'publish'; channel: Buffer; message: Buffer })
  | (BusHeader & { kind: 'update'; aboutEpoch: number; about: string; slots: Uint8Array })
  | (BusHeader & { kind: 'other' });

function cstr(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('latin1', start, end === -1 || end > start + len ? start + len : end);
}

function u64(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64BE(at));
}

/** Reads one whole message (`buf` is exactly totlen bytes); null when it is malformed (Redis drops those). */
export function decodeMessage(buf: Buffer): BusMessage | null {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== 'RCmb') return null;
  if (buf.length < HEADER_LEN) return null;
  if (buf.readUInt16BE(8) !== 1) return null;
  const slaveofRaw = buf.subarray(2128, 2128 + NAME_LEN);
  const h: BusHeader = {
    type: buf.readUInt16BE(12),
    count: buf.readUInt16BE(14),
    currentEpoch: u64(buf, 16),
    configEpoch: u64(buf, 24),
    offset: u64(buf, 32),
    sender: buf.toString('latin1', 40, 40 + NAME_LEN),
    myslots: new Uint8Array(buf.subarray(80, 80 + SLOTS_LEN)),
    slaveof: slaveofRaw.every((b) => b === 0) ? null : slaveofRaw.toString('latin1'),
    myip: cstr(buf, 2168, IP_LEN),
    port: buf.readUInt16BE(10),
    pport: buf.readUInt16BE(2246),
    cport: buf.readUInt16BE(2248),
    flags: buf.readUInt16BE(2250),
    state: buf[2252],
    mflags0: buf[2253],
  };
  const body = HEADER_LEN;
  switch (h.type) {
    case MSG_PING:
    case MSG_PONG:
    case MSG_MEET: {
      let at = body;
      if (at + h.count * GOSSIP_LEN > buf.length) return null;
      const gossip: Gossip[] = [];
      for (let i = 0; i < h.count; i++, at += GOSSIP_LEN) {
        gossip.push({
          name: buf.toString('latin1', at, at + NAME_LEN),
          pingSent: buf.readUInt32BE(at + 40),
          pongReceived: buf.readUInt32BE(at + 44),
          ip: cstr(buf, at + 48, IP_LEN),
          port: buf.readUInt16BE(at + 94),
          cport: buf.readUInt16BE(at + 96),
          flags: buf.readUInt16BE(at + 98),
          pport: buf.readUInt16BE(at + 100),
        });
      }
      let hostname: string | null = null;
      if (h.mflags0 & MFLAG0_EXT_DATA) {
        const exts = buf.readUInt16BE(2214);
        for (let i = 0; i < exts; i++) {
          if (at + 8 > buf.length) return null;
          const type = buf.readUInt16BE(at);
          const len = buf.readUInt32BE(at + 4);
          if (len < 8 || at + len > buf.length) return null;
          if (type === EXT_HOSTNAME) hostname = cstr(buf, at + 8, len - 8);
          at += len;
        }
      }
      if (at !== buf.length) return null;
      return { ...h, kind: 'ping', gossip, hostname };
    }
    case MSG_FAIL:
      if (buf.length !== body + NAME_LEN) return null;
      return { ...h, kind: 'fail', about: buf.toString('latin1', body, body + NAME_LEN) };
    case MSG_PUBLISH:
    case MSG_PUBLISHSHARD: {
      if (buf.length < body + 8) return null;
      const clen = buf.readUInt32BE(body);
      const mlen = buf.readUInt32BE(body + 4);
      if (buf.length !== body + 8 + clen + mlen) return null;
      const start = body + 8;
      return { ...h, kind: 'publish', channel: Buffer.from(buf.subarray(start, start + clen)), message: Buffer.from(buf.subarray(start + clen, start + clen + mlen)) };
    }
    case MSG_UPDATE:
      if (buf.length !== body + UPDATE_LEN) return null;
      return {
        ...h,
        kind: 'update',
        aboutEpoch: u64(buf, body),
        about: buf.toString('latin1', body + 8, body + 8 + NAME_LEN),
        slots: new Uint8Array(buf.subarray(body + 8 + NAME_LEN, body + UPDATE_LEN)),
      };
    default:
      return { ...h, kind: 'other' };
  }
}

/** What this node puts in every header it sends. */
export interface HeaderFields {
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  myslots: Uint8Array;
  slaveof: string | null;
  myip: string;
  port: number;
  pport: number;
  cport: number;
  flags: number;
  state: number;
  mflags0: number;
}

function writeHeader(buf: Buffer, type: number, count: number, f: HeaderFields, extensions = 0): void {
  buf.write('RCmb', 0, 'latin1');
  buf.writeUInt32BE(buf.length, 4);
  buf.writeUInt16BE(1, 8);
  buf.writeUInt16BE(f.port, 10);
  buf.writeUInt16BE(type, 12);
  buf.writeUInt16BE(count, 14);
  buf.writeBigUInt64BE(BigInt(f.currentEpoch), 16);
  buf.writeBigUInt64BE(BigInt(f.configEpoch), 24);
  buf.writeBigUInt64BE(BigInt(f.offset), 32);
  buf.write(f.sender, 40, NAME_LEN, 'latin1');
  buf.set(f.myslots, 80);
  if (f.slaveof !== null) buf.write(f.slaveof, 2128, NAME_LEN, 'latin1');
  if (f.myip !== '') buf.write(f.myip, 2168, IP_LEN - 1, 'latin1');
  buf.writeUInt16BE(extensions, 2214);
  buf.writeUInt16BE(f.pport, 2246);
  buf.writeUInt16BE(f.cport, 2248);
  buf.writeUInt16BE(f.flags, 2250);
  buf[2252] = f.state;
  buf[2253] = f.mflags0;
}

/** PING, PONG or MEET with gossip entries (and a hostname extension when one is set). */
export function encodePing(type: number, f: HeaderFields, gossip: readonly Gossip[], hostname: string): Buffer {
  // The hostname extension: 8-byte header, the name NUL-terminated, padded to 8.
  const extLen = hostname === '' ? 0 : 8 + Math.ceil((hostname.length + 1) / 8) * 8;
  const buf = Buffer.alloc(HEADER_LEN + gossip.length * GOSSIP_LEN + extLen);
  writeHeader(buf, type, gossip.length, extLen > 0 ? { ...f, mflags0: f.mflags0 | MFLAG0_EXT_DATA } : f, extLen > 0 ? 1 : 0);
  let at = HEADER_LEN;
  for (const g of gossip) {
    buf.write(g.name, at, NAME_LEN, 'latin1');
    buf.writeUInt32BE(g.pingSent >>> 0, at + 40);
    buf.writeUInt32BE(g.pongReceived >>> 0, at + 44);
    buf.write(g.ip, at + 48, IP_LEN - 1, 'latin1');
    buf.writeUInt16BE(g.port, at + 94);
    buf.writeUInt16BE(g.cport, at + 96);
    buf.writeUInt16BE(g.flags, at + 98);
    buf.writeUInt16BE(g.pport, at + 100);
    at += GOSSIP_LEN;
  }
  if (extLen > 0) {
    buf.writeUInt16BE(EXT_HOSTNAME, at);
    buf.writeUInt32BE(extLen, at + 4);
    buf.write(hostname, at + 8, 'latin1');
  }
  return buf;
}

export function encodeFail(f: HeaderFields, about: string): Buffer {
  const buf = Buffer.alloc(HEADER_LEN + NAME_LEN);
  writeHeader(buf, MSG_FAIL, 0, f);
  buf.write(about, HEADER_LEN, NAME_LEN, 'latin1');
  return buf;
}

export function encodePublish(type: number, f: HeaderFields, channel: Buffer, message: Buffer): Buffer {
  const buf = Buffer.alloc(HEADER_LEN + 8 + channel.length + message.length);
  writeHeader(buf, type, 0, f);
  buf.writeUInt32BE(channel.length, HEADER_LEN);
  buf.writeUInt32BE(message.length, HEADER_LEN + 4);
  channel.copy(buf, HEADER_LEN + 8);
  message.copy(buf, HEADER_LEN + 8 + channel.length);
  return buf;
}

export function encodeUpdate(f: HeaderFields, aboutEpoch: number, about: string, slots: Uint8Array): Buffer {
  const buf = Buffer.alloc(HEADER_LEN + UPDATE_LEN);
  writeHeader(buf, MSG_UPDATE, 0, f);
  buf.writeBigUInt64BE(BigInt(aboutEpoch), HEADER_LEN);
  buf.write(about, HEADER_LEN + 8, NAME_LEN, 'latin1');
  buf.set(slots, HEADER_LEN + 8 + NAME_LEN);
  return buf;
}

/** A message with no data (FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART). */
export function encodeEmpty(type: number, f: HeaderFields): Buffer {
  const buf = Buffer.alloc(HEADER_LEN);
  writeHeader(buf, type, 0, f);
  return buf;
}
