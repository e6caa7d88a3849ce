/**
 * Client ids fit the connection id bits of a shard request (src/client-ids.ts):
 * they wrap after CONN_ID_MASK, skip the ids of open connections, and never
 * reach the flag bits. 268 million connections are not made here; the
 * allocator is driven to the edge directly, and a live server checks that
 * ids start at 1 and grow one per connection, as Redis's do.
 */
import t from 'tap';
import { ClientIds } from '../src/client-ids';
import { CONN_ID_MASK } from '../src/core/shard-protocol';
import { startShardis } from './helpers/servers';
import { connectResp } from './helpers/resp-client';

t.test('ids wrap within the connection id bits, skipping open connections', async (t) => {
  const open = new Set<number>([CONN_ID_MASK, 1, 3]);
  const ids = new ClientIds((id) => open.has(id));
  ids.startAt(CONN_ID_MASK - 2);
  const got = Array.from({ length: 5 }, () => ids.take());
  t.same(got, [CONN_ID_MASK - 2, CONN_ID_MASK - 1, 2, 4, 5]);
  t.ok(got.every((id) => id > 0 && (id & ~CONN_ID_MASK) === 0), 'no id sets a flag bit');
});

t.test('a server hands out 1, 2, 3 ...', async (t) => {
  const srv = await startShardis(t, { workers: 0 });
  const a = await connectResp(t, srv.port);
  const first = (await a.call('CLIENT', 'ID')) as number;
  const b = await connectResp(t, srv.port);
  t.equal(await b.call('CLIENT', 'ID'), first + 1);
});
