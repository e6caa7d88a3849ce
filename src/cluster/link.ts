/**
 * One TCP connection of the cluster bus (Redis's clusterLink): frames whole
 * messages out of the byte stream by their length field and hands each to
 * the bus; sends are plain socket writes. Outbound links belong to the node
 * they were opened to; inbound links are tied to a node once its first
 * message names it.
 */
import type net from 'node:net';
import type { ClusterNode, NodeLink } from './node';
import { MAX_MESSAGE } from './bus-codec';

export class BusLink implements NodeLink {
  readonly ctime = Date.now();
  private chunks: Buffer[] = [];
  private buffered = 0;
  closed = false;
  /** Bytes queued in the socket (CLUSTER LINKS send-buffer-allocated). */
  get sendBuffer(): number {
    return this.socket.writableLength;
  }

  constructor(
    readonly socket: net.Socket,
    /** The node this link is to or from (null: an inbound link not yet identified). */
    public node: ClusterNode | null,
    readonly inbound: boolean,
    private readonly onMessage: (link: BusLink, msg: Buffer) => void,
    private readonly onClose: (link: BusLink) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(d));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private read(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (!this.closed && this.buffered >= 8) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [head];
      if (head.toString('latin1', 0, 4) !== 'RCmb') return this.close();
      const len = head.readUInt32BE(4);
      if (len < 8 || len > MAX_MESSAGE) return this.close();
      if (head.length < len) return;
      // The message is copied out: the rest of the chunk is the next message.
      const msg = Buffer.from(head.subarray(0, len));
      const rest = head.subarray(len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.onMessage(this, msg);
    }
  }

  send(buf: Buffer): void {
    if (!this.closed) this.socket.write(buf);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(this);
  }
}
