/**
 * The ACL permissions a connection's scripts run with. The main thread checks
 * a client's own request (EVAL itself); the calls a script makes are checked
 * in the shard that runs it (workers/scripting/engine.ts), as Redis checks
 * each of them, so that shard must know the user's rules. They are sent on
 * the shard's ordered stream ahead of the script whenever they differ from
 * what that shard last had for the connection (a user allowed everything,
 * like the default user, has none to send). A shard restarted after a crash
 * starts with none: every connection sends again (forgetScriptUsers).
 */
import type { ShardSet } from '../shard-clients/shard-set';
import type { Connection } from '../connection';
import type { User } from '../core/acl/user';

/** The user's permissions as rules: its root selector's, then each other selector in parentheses. */
function permissionRules(user: User): string[] {
  return [...user.root.describe().split(' '), ...user.selectors.map((s) => `(${s.describe()})`)];
}

/** Before a script of `conn` goes to `shard`: that shard gets the connection's permissions if they changed. */
export function sendScriptUser(shards: ShardSet, conn: Connection, shard: number): void {
  const user = conn.user;
  const rules = user.root.unrestricted ? null : permissionRules(user);
  const key = rules === null ? null : rules.join('\0');
  const sent = (conn.scriptRulesSent ??= []);
  if ((sent[shard] ?? null) === key) return;
  sent[shard] = key;
  // Held there until the connection ends (connClosed drops it), like its waiters and watches.
  if (rules !== null) conn.shardsWithState.add(shard);
  // A failed call leaves the shard's old permissions: force a resend next time.
  shards.call(shard, 'scriptUser', { rules }, { connId: conn.id }).catch(() => (sent[shard] = '\0'));
}

/** A shard restarted empty: every connection sends its permissions again. */
export function forgetScriptUsers(connections: Iterable<Connection>): void {
  for (const c of connections) c.scriptRulesSent = null;
}
