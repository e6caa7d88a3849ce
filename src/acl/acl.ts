/**
 * The server's users (Redis's ACL): the registry ACL SETUSER/DELUSER edit,
 * AUTH's password check, the ACL log, and the aclfile.
 *
 * The main thread checks every request here before anything reaches a
 * shard (src/dispatch.ts); a connection whose user is open (on, +@all, ~*,
 * &*) skips the check, so with only the default user it costs one field read.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { aclCatalog, type CommandCatalog } from '../core/acl/catalog';
import { AclRuleError, User, type Denial } from '../core/acl/user';

export { User, AclRuleError } from '../core/acl/user';
export type { Denial } from '../core/acl/user';

export interface AclLogEntry {
  count: number;
  reason: 'command' | 'key' | 'channel' | 'auth';
  context: 'toplevel' | 'multi' | 'lua';
  object: string;
  username: string;
  created: number;
  updated: number;
  clientInfo: string;
}

/** How long a repeated denial is folded into its earlier log entry (Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA). */
const LOG_GROUPING_MS = 60000;

export class AclError extends Error {}

/** Splits SETUSER arguments, joining "(a b c)" selectors given as several words (Redis's ACLMergeSelectorArguments). */
export function mergeSelectorArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let open = -1;
  let cur = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (open === -1 && op[0] === '(' && op[op.length - 1] !== ')') {
      cur = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      cur += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(cur);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) throw new AclError(`ERR Unmatched parenthesis in acl selector starting at '${args[open]}'.`);
  return out;
}

export class Acl {
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  log: AclLogEntry[] = [];
  /** acl-pubsub-default is allchannels. */
  pubsubDefaultAll = false;
  logMaxLen = 128;
  /**
   * Called for each user that stops existing (DELUSER, ACL LOAD): its
   * connections are closed. `caller` is the connection that asked (opaque
   * here), which gets its reply first.
   */
  onUserGone: (user: User, caller: unknown) => void = () => undefined;

  /**
   * The user of the server's own clients (the AOF loader): every command,
   * key and channel, never in the registry, so no rule, password or DELUSER
   * reaches it (Redis runs such clients with no user at all).
   */
  readonly internalUser: User;

  constructor(readonly catalog: CommandCatalog = aclCatalog) {
    this.defaultUser = this.createDefault();
    this.internalUser = new User('internal', this.catalog, false);
    for (const r of ['+@all', '~*', '&*', 'on', 'nopass']) this.internalUser.apply(r, false);
  }

  private createDefault(): User {
    const u = new User('default', this.catalog, false);
    for (const r of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(r, false);
    this.users.set('default', u);
    return u;
  }

  /** requirepass: the default user's only password (or nopass when empty), as Redis applies it. */
  setRequirePass(pass: string): void {
    this.defaultUser.apply('resetpass', this.pubsubDefaultAll);
    this.defaultUser.apply(pass === '' ? 'nopass' : '>' + pass, this.pubsubDefaultAll);
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  /** AUTH/HELLO's check: the user when the pair is valid and the user is on, else undefined. */
  authenticate(name: string, pass: string): User | undefined {
    const u = this.users.get(name);
    return u !== undefined && u.checkPassword(pass) ? u : undefined;
  }

  /** Applies rules to a user, creating it if needed; nothing changes when a rule fails. Throws AclError. */
  setUser(name: string, rules: readonly string[]): void {
    if (/[\s\0]/.test(name)) throw new AclError("ERR Usernames can't contain spaces or null characters");
    const merged = mergeSelectorArgs(rules);
    const existing = this.users.get(name);
    const temp = existing !== undefined ? existing.clone() : new User(name, this.catalog, this.pubsubDefaultAll);
    for (const op of merged) {
      try {
        temp.apply(op, this.pubsubDefaultAll);
      } catch (err) {
        if (err instanceof AclRuleError) throw new AclError(`ERR Error in ACL SETUSER modifier '${op}': ${err.message}`);
        throw err;
      }
    }
    if (existing !== undefined) existing.copyFrom(temp);
    else this.users.set(name, temp);
  }

  /** Deletes users (never `default`); returns how many existed. Their connections are closed by onUserGone. */
  delUsers(names: readonly string[], caller?: unknown): number {
    if (names.includes('default')) throw new AclError("ERR The 'default' user cannot be removed");
    let n = 0;
    for (const name of names) {
      const u = this.users.get(name);
      if (u === undefined) continue;
      this.users.delete(name);
      u.live = false;
      n++;
      this.onUserGone(u, caller);
    }
    return n;
  }

  /** Adds a denial to the ACL log, folding it into a recent identical entry. */
  addLog(reason: AclLogEntry['reason'], context: AclLogEntry['context'], object: string, username: string, clientInfo: string): void {
    const now = Date.now();
    const same = this.log.find(
      (e) => e.reason === reason && e.context === context && e.object === object && e.username === username && now - e.updated < LOG_GROUPING_MS,
    );
    if (same !== undefined) {
      same.count++;
      same.updated = now;
      same.clientInfo = clientInfo;
      this.log = [same, ...this.log.filter((e) => e !== same)];
      return;
    }
    this.log.unshift({ count: 1, reason, context, object, username, created: now, updated: now, clientInfo });
    if (this.log.length > this.logMaxLen) this.log.length = this.logMaxLen;
  }

  /** ACL LIST's lines: users sorted by name as Redis's radix tree walks them. */
  list(): string[] {
    return this.sortedUsers().map((u) => u.describe());
  }

  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'latin1'), Buffer.from(b.name, 'latin1')));
  }

  /** ACL GENPASS: `bits` random bits as hex (rounded up to a whole hex digit). */
  static genpass(bits: number): string {
    const chars = Math.ceil(bits / 4);
    return crypto.randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
  }

  /**
   * Reads users from aclfile text. Every line must be `user <name> rules...`;
   * the result replaces the current users only when the whole file is valid.
   * Returns the error text Redis gives, or null.
   */
  loadText(text: string, file: string, caller?: unknown): string | null {
    const fresh = new Acl(this.catalog);
    fresh.pubsubDefaultAll = this.pubsubDefaultAll;
    // A file without a default user leaves it as a fresh server has it.
    const seen = new Set<string>();
    const lines = text.split('\n');
    const errors: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const words = line.split(/\s+/);
      if (words[0] !== 'user' || words.length < 2) {
        errors.push(`${file}:${i + 1} should start with user keyword followed by the username. `);
        continue;
      }
      const name = words[1];
      if (seen.has(name)) {
        errors.push(`WARNING: Duplicate user '${name}' found on line ${i + 1}. `);
        continue;
      }
      seen.add(name);
      let merged: string[];
      try {
        merged = mergeSelectorArgs(words.slice(2));
      } catch (err) {
        errors.push(`${file}:${i + 1}: ${(err as Error).message.replace(/^ERR /, '')} `);
        continue;
      }
      if (name === 'default') fresh.defaultUser.apply('reset', fresh.pubsubDefaultAll);
      const u = fresh.users.get(name) ?? new User(name, this.catalog, fresh.pubsubDefaultAll);
      for (const op of merged) {
        try {
          u.apply(op, fresh.pubsubDefaultAll);
        } catch (err) {
          if (!(err instanceof AclRuleError)) throw err;
          errors.push(`${file}:${i + 1}: Error in applying operation '${op}': ${err.message}. `);
          break;
        }
      }
      fresh.users.set(name, u);
    }
    if (errors.length > 0) return errors.join('') + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    // Users that are gone or were redefined lose their connections; the default user is updated in place.
    for (const [name, old] of this.users) {
      if (name === 'default') continue;
      old.live = false;
      this.onUserGone(old, caller);
    }
    this.users.clear();
    for (const [name, u] of fresh.users) {
      if (name === 'default') {
        this.defaultUser.copyFrom(u);
        this.users.set('default', this.defaultUser);
      } else this.users.set(name, u);
    }
    return null;
  }

  loadFile(file: string, caller?: unknown): string | null {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (err) {
      return `Error loading ACLs, opening file '${file}': ${(err as Error).message}`;
    }
    return this.loadText(text, file, caller);
  }

  saveFile(file: string): string | null {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      fs.writeFileSync(tmp, this.list().join('\n') + '\n', 'latin1');
      fs.renameSync(tmp, file);
      return null;
    } catch (err) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        /* nothing to remove */
      }
      return (err as Error).message;
    }
  }

  /** The error a denial replies with (NOPERM texts of Redis 7.0). */
  static deniedText(d: Denial): string {
    switch (d.reason) {
      case 'command':
        return `NOPERM this user has no permissions to run the '${d.object}' command`;
      case 'key':
        return 'NOPERM this user has no permissions to access one of the keys used as arguments';
      case 'channel':
        return 'NOPERM this user has no permissions to access one of the channels used as arguments';
    }
  }

  /** ACL DRYRUN's wording of a denial. */
  static dryrunText(d: Denial): string {
    switch (d.reason) {
      case 'command':
        return `This user has no permissions to run the '${d.object}' command`;
      case 'key':
        return `This user has no permissions to access the '${d.object}' key`;
      case 'channel':
        return `This user has no permissions to access the '${d.object}' channel`;
    }
  }
}
