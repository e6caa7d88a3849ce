/**
 * ACL users and selectors as Redis 7.0 keeps them (acl.c): the rules of
 * ACL SETUSER applied one by one, the permission check of one request, and
 * the descriptions ACL LIST / GETUSER print.
 *
 * A selector is a set of allowed commands, key patterns and channel
 * patterns; a user is a root selector plus any number of extra selectors,
 * and a request is allowed when one of them allows it.
 */
import crypto from 'node:crypto';
import { globMatch } from '../glob';
import type { AclCommand, CommandCatalog } from './catalog';
import { ACL_CATEGORIES, commandHasKeys, KEY_READ, KEY_WRITE, requestChannels, requestKeys } from './command-meta';

/** Why a SETUSER rule failed; the text follows "Error in ACL SETUSER modifier '...': ". */
export class AclRuleError extends Error {}

const E_UNKNOWN = 'Unknown command or category name in ACL';
const E_SYNTAX = 'Syntax error';
const E_KEYS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const E_CHANNELS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const E_NO_SUCH_PASS = 'The password you are trying to remove from the user does not exist';
const E_BAD_HASH = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
const E_SUB_FIRSTARG = 'Allowing first-arg of a subcommand is not supported';

export function hashPassword(pass: string): string {
  return crypto.createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

/** A denied request: what Redis logs (reason, object) and the error it replies. */
export interface Denial {
  reason: 'command' | 'key' | 'channel';
  object: string;
}

/** Result order as Redis ranks them: the highest across selectors is reported. */
const RANK = { command: 1, key: 2, channel: 4 } as const;

interface KeyPattern {
  pattern: string;
  flags: number;
}

const ALL_PERMS = KEY_READ | KEY_WRITE;

export class Selector {
  /** Full names of the allowed commands and subcommands. */
  allowed = new Set<string>();
  /** Allowed first arguments of otherwise denied commands (+select|0). */
  firstArgs = new Map<string, string[]>();
  /** Every command allowed: the check skips the lookup. Any denial clears it. */
  allCommands = false;
  /** Set only by +@all: the description starts with +@all instead of -@all. */
  future = false;
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;

  constructor(private readonly catalog: CommandCatalog) {}

  clone(): Selector {
    const s = new Selector(this.catalog);
    s.allowed = new Set(this.allowed);
    s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.keys = this.keys.map((k) => ({ ...k }));
    s.allKeys = this.allKeys;
    s.channels = [...this.channels];
    s.allChannels = this.allChannels;
    return s;
  }

  private setBit(cmd: AclCommand, allow: boolean): void {
    if (allow) this.allowed.add(cmd.fullName);
    else {
      this.allowed.delete(cmd.fullName);
      this.allCommands = false;
    }
  }

  /** Redis's ACLChangeSelectorPerm: the command, its first args, and all of its subcommands. */
  private changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd, allow);
    this.firstArgs.delete(cmd.fullName);
    for (const s of cmd.subcommands) this.setBit(s, allow);
  }

  private changeCategory(category: string, allow: boolean): void {
    for (const c of this.catalog.top) {
      if (c.categories.has(category)) this.changePerm(c, allow);
      for (const s of c.subcommands) if (s.categories.has(category)) this.changePerm(s, allow);
    }
  }

  /** One selector rule (Redis's ACLSetSelector). Throws AclRuleError. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [{ pattern: '*', flags: ALL_PERMS }];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = ['*'];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      for (const c of this.catalog.byName.values()) this.allowed.add(c.fullName);
      this.firstArgs.clear();
      this.allCommands = true;
      this.future = true;
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allowed.clear();
      this.firstArgs.clear();
      this.allCommands = false;
      this.future = false;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) throw new AclRuleError(E_KEYS_AFTER_ALL);
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && !(flags & KEY_READ)) flags |= KEY_READ;
          else if (ch === 'W' && !(flags & KEY_WRITE)) flags |= KEY_WRITE;
          else if (op[offset] === '~') {
            offset++;
            break;
          } else throw new AclRuleError(E_SYNTAX);
        }
      } else flags = ALL_PERMS;
      if (flags === 0) throw new AclRuleError(E_SYNTAX);
      const pattern = op.slice(offset);
      if (pattern === '*' && flags === ALL_PERMS) {
        this.allKeys = true;
        this.keys = [];
      }
      const existing = this.keys.find((k) => k.pattern === pattern);
      if (existing === undefined) this.keys.push({ pattern, flags });
      else existing.flags |= flags;
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(E_CHANNELS_AFTER_ALL);
      const ch = op.slice(1);
      if (!this.channels.includes(ch)) this.channels.push(ch);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const cat = op.slice(2).toLowerCase();
      if (!this.catalog.isCategory(cat)) throw new AclRuleError(E_UNKNOWN);
      const allow = op[0] === '+';
      this.changeCategory(cat, allow);
    } else if (op[0] === '+') {
      const body = op.slice(1);
      // Split at the last bar, as Redis does: `client|list|x` is a first-arg of a subcommand.
      const bar = body.lastIndexOf('|');
      if (bar === -1) {
        const cmd = this.catalog.lookup(body);
        if (cmd === undefined) throw new AclRuleError(E_UNKNOWN);
        this.changePerm(cmd, true);
      } else {
        const cmd = this.catalog.lookup(body.slice(0, bar));
        if (cmd === undefined) throw new AclRuleError(E_UNKNOWN);
        const sub = body.slice(bar + 1);
        if (cmd.parent !== undefined) throw new AclRuleError(E_SUB_FIRSTARG);
        if (sub.length === 0) throw new AclRuleError(E_SYNTAX);
        if (cmd.subcommands.length > 0) {
          const s = this.catalog.lookup(body);
          if (s === undefined) throw new AclRuleError(E_UNKNOWN);
          if (s.parent === undefined) throw new AclRuleError(E_SUB_FIRSTARG);
          this.changePerm(s, true);
        } else {
          // +select|0: the deprecated first-argument allowance of a command without subcommands.
          const list = this.firstArgs.get(cmd.fullName) ?? [];
          if (!list.includes(sub)) list.push(sub);
          this.firstArgs.set(cmd.fullName, list);
        }
      }
    } else if (op[0] === '-') {
      const body = op.slice(1);
      const cmd = this.catalog.lookup(body);
      if (cmd === undefined) throw new AclRuleError(E_UNKNOWN);
      this.changePerm(cmd, false);
    } else {
      throw new AclRuleError(E_SYNTAX);
    }
  }

  /**
   * The command rules as ACL LIST prints them, computed from the allowed set
   * as Redis 7.0 does: start from -@all (or +@all when +@all set every
   * command), then repeatedly add (remove) the category that still needs
   * the fewest exceptions, among those with more commands matching than
   * not (ties: the one matching more), and finally fix the difference
   * command by command. Redis walks its command dict for that last step,
   * in an order that changes from process to process; Shardis walks its
   * catalog in a fixed order.
   */
  describeCommands(): string {
    const additive = !this.future;
    const out = [additive ? '-@all' : '+@all'];
    const fake = new Selector(this.catalog);
    fake.apply(additive ? '-@all' : '+@all');
    const temp = new Selector(this.catalog);
    temp.allowed = new Set(this.allowed);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let minDiff = Infinity;
      let maxSame = 0;
      for (const cat of ACL_CATEGORIES) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const c of this.catalog.top) {
          if (c.categories.has(cat)) temp.allowed.has(c.fullName) ? on++ : off++;
          for (const s of c.subcommands) if (s.categories.has(cat)) temp.allowed.has(s.fullName) ? on++ : off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = cat;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === null) break;
      fake.changeCategory(best, additive);
      temp.changeCategory(best, !additive);
      out.push((additive ? '+@' : '-@') + best);
      applied.add(best);
    }
    const single = (c: AclCommand): void => {
      const userBit = this.allowed.has(c.fullName);
      if (userBit !== fake.allowed.has(c.fullName)) {
        out.push((userBit ? '+' : '-') + c.fullName);
        fake.changePerm(c, userBit);
      }
      for (const arg of this.firstArgs.get(c.fullName) ?? []) out.push(`+${c.fullName}|${arg}`);
      for (const s of c.subcommands) single(s);
    };
    for (const c of this.catalog.top) single(c);
    return out.join(' ');
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => patternString(k)).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /** Keys, channels and commands as one rule string (ACLDescribeSelector). */
  describe(): string {
    const parts: string[] = [];
    if (this.allKeys) parts.push('~*');
    else for (const k of this.keys) parts.push(patternString(k));
    if (this.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      for (const c of this.channels) parts.push('&' + c);
    }
    parts.push(this.describeCommands());
    return parts.join(' ');
  }

  /** True when this selector allows everything: requests need no check at all. */
  get unrestricted(): boolean {
    return this.allCommands && this.allKeys && this.allChannels;
  }

  /** Checks one request (Redis's ACLSelectorCheckCmd); null when allowed. */
  check(cmd: AclCommand, args: readonly string[]): Denial | null {
    if (!this.allCommands && !cmd.noAuth && !this.allowed.has(cmd.fullName)) {
      const firsts = this.firstArgs.get(cmd.fullName);
      const idx = cmd.parent !== undefined ? 2 : 1;
      if (firsts === undefined || args.length <= idx) return { reason: 'command', object: cmd.fullName };
      const first = args[idx].toLowerCase();
      if (!firsts.some((f) => f.toLowerCase() === first)) return { reason: 'command', object: cmd.fullName };
    }
    if (!this.allKeys && commandHasKeys(cmd.meta, cmd.spec)) {
      for (const { key, access } of requestKeys(cmd.fullName, cmd.meta, cmd.spec, args)) {
        if (!this.keys.some((k) => (k.flags & access) === access && globMatch(k.pattern, key))) return { reason: 'key', object: key };
      }
    }
    if (!this.allChannels) {
      const chans = requestChannels(cmd.fullName, args);
      if (chans !== null) {
        for (const { channel, pattern } of chans) {
          const ok = this.channels.some((p) => (pattern ? p === channel : globMatch(p, channel)));
          if (!ok) return { reason: 'channel', object: channel };
        }
      }
    }
    return null;
  }
}

function patternString(k: KeyPattern): string {
  if (k.flags === ALL_PERMS) return '~' + k.pattern;
  return (k.flags === KEY_READ ? '%R~' : '%W~') + k.pattern;
}

export class User {
  enabled = false;
  nopass = false;
  /** null: neither sanitize flag (a fresh user). */
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  /** SHA-256 hex digests, in the order given. */
  passwords: string[] = [];
  root: Selector;
  selectors: Selector[] = [];
  /**
   * True when the user is on and its root selector allows every command,
   * key and channel: requests skip the check (the default user's fast path).
   */
  open = false;
  /** False once the user is deleted (its connections are being closed). */
  live = true;

  constructor(
    readonly name: string,
    private readonly catalog: CommandCatalog,
    pubsubDefaultAll: boolean,
  ) {
    this.root = new Selector(catalog);
    if (pubsubDefaultAll) this.root.apply('allchannels');
  }

  /** A deep copy, for applying SETUSER rules atomically. */
  clone(): User {
    const u = new User(this.name, this.catalog, false);
    u.copyFrom(this);
    return u;
  }

  copyFrom(o: User): void {
    this.enabled = o.enabled;
    this.nopass = o.nopass;
    this.sanitize = o.sanitize;
    this.passwords = [...o.passwords];
    this.root = o.root.clone();
    this.selectors = o.selectors.map((s) => s.clone());
    this.refresh();
  }

  refresh(): void {
    this.open = this.enabled && this.root.unrestricted;
  }

  /** One SETUSER rule (Redis's ACLSetUser). Throws AclRuleError. */
  apply(op: string, pubsubDefaultAll: boolean): void {
    const lower = op.toLowerCase();
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'skip-sanitize-payload') this.sanitize = 'skip-sanitize-payload';
    else if (lower === 'sanitize-payload') this.sanitize = 'sanitize-payload';
    else if (lower === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let hash: string;
      if (op[0] === '>') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(hash)) throw new AclRuleError(E_BAD_HASH);
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let hash: string;
      if (op[0] === '<') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(hash)) throw new AclRuleError(E_BAD_HASH);
      }
      const i = this.passwords.indexOf(hash);
      if (i === -1) throw new AclRuleError(E_NO_SUCH_PASS);
      this.passwords.splice(i, 1);
    } else if (op.length > 1 && op[0] === '(' && op[op.length - 1] === ')') {
      const sel = new Selector(this.catalog);
      if (pubsubDefaultAll) sel.apply('allchannels');
      for (const part of op.slice(1, -1).split(' ')) if (part !== '') sel.apply(part);
      this.selectors.push(sel);
    } else if (lower === 'clearselectors') {
      this.selectors = [];
    } else if (lower === 'reset') {
      for (const r of ['resetpass', 'resetkeys', 'resetchannels']) this.apply(r, pubsubDefaultAll);
      if (pubsubDefaultAll) this.apply('allchannels', pubsubDefaultAll);
      for (const r of ['off', 'sanitize-payload', 'clearselectors', '-@all']) this.apply(r, pubsubDefaultAll);
    } else {
      this.root.apply(op);
    }
    this.refresh();
  }

  flags(): string[] {
    const out = [this.enabled ? 'on' : 'off'];
    if (this.nopass) out.push('nopass');
    if (this.sanitize === 'skip-sanitize-payload') out.push('skip-sanitize-payload');
    if (this.sanitize === 'sanitize-payload') out.push('sanitize-payload');
    return out;
  }

  /** The user as one ACL LIST line / aclfile line. */
  describe(): string {
    const parts = ['user', this.name, ...this.flags(), ...this.passwords.map((p) => '#' + p), this.root.describe()];
    for (const s of this.selectors) parts.push(`(${s.describe()})`);
    return parts.join(' ');
  }

  /** Whether a clear-text password opens this user (a constant-time comparison of digests). */
  checkPassword(pass: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    const h = Buffer.from(hashPassword(pass), 'latin1');
    let ok = false;
    for (const p of this.passwords) if (crypto.timingSafeEqual(h, Buffer.from(p, 'latin1'))) ok = true;
    return ok;
  }

  /** Checks one request against every selector (root first); the highest-ranked denial is reported. */
  check(cmd: AclCommand, args: readonly string[]): Denial | null {
    let worst: Denial | null = this.root.check(cmd, args);
    if (worst === null) return null;
    for (const s of this.selectors) {
      const d = s.check(cmd, args);
      if (d === null) return null;
      if (RANK[d.reason] > RANK[worst.reason]) worst = d;
    }
    return worst;
  }
}
