/**
 * A small binary-safe serialization for values moving between shards: a list
 * of latin1 strings, each written as `<length>:<bytes>`. Numbers are written
 * as their decimal text (doubles with `String(d)`, which round-trips exactly).
 */
export class SerialWriter {
  private readonly parts: string[] = [];

  str(s: string): this {
    this.parts.push(`${s.length}:`, s);
    return this;
  }

  num(n: number | bigint): this {
    return this.str(String(n));
  }

  toString(): string {
    return this.parts.join('');
  }
}

export class SerialReader {
  private pos = 0;
  constructor(private readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  str(): string {
    const colon = this.s.indexOf(':', this.pos);
    if (colon === -1) throw new Error('corrupt serialized value');
    const n = Number(this.s.slice(this.pos, colon));
    const out = this.s.slice(colon + 1, colon + 1 + n);
    this.pos = colon + 1 + n;
    return out;
  }

  num(): number {
    return Number(this.str());
  }

  bigint(): bigint {
    return BigInt(this.str());
  }
}
