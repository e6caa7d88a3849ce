/**
 * The inline shard's background lane (ShardClient.callBackground), which a
 * snapshot's slices use: a background request runs after the turn's other
 * requests and after the server was told to write their replies, whatever
 * order they were sent in; requests sent while it runs go to the next turn.
 * (Through the server, this is what keeps a GET from waiting behind a BGSAVE
 * slice; benchmarks/persistence.ts measures that.)
 */
import t from 'tap';
import pino from 'pino';
import { ShardSet } from '../src/shard-clients/shard-set';
import { defaultShardSettings } from '../src/core/shard-protocol';

t.test('background requests run after the turn, and after its replies are released', async (t) => {
  const set = await ShardSet.start(0, defaultShardSettings(), 'silent', pino({ level: 'silent' }), () => undefined);
  t.teardown(() => set.close());
  const order: string[] = [];
  set.replyGate = { hold: () => undefined, release: () => order.push('writers woken') };
  const bg = set.callBackground(0, 'dirty', undefined).then(() => order.push('background'));
  const fg = Promise.all([set.call(0, 'dirty', undefined), set.call(0, 'dirty', undefined)]).then(() => order.push('foreground'));
  await Promise.all([bg, fg]);
  t.same(order, ['writers woken', 'foreground', 'background']);

  // Without background work the writers are woken after the flush all the same.
  order.length = 0;
  await set.call(0, 'dirty', undefined).then(() => order.push('foreground'));
  t.same(order, ['writers woken', 'foreground']);

  // A background request sent from a background request's continuation runs in a later turn, after that turn's requests.
  order.length = 0;
  await new Promise<void>((resolve) => {
    void set.callBackground(0, 'dirty', undefined).then(() => {
      order.push('background 1');
      void set.callBackground(0, 'dirty', undefined).then(() => {
        order.push('background 2');
        resolve();
      });
      void set.call(0, 'dirty', undefined).then(() => order.push('foreground 2'));
    });
  });
  t.same(order, ['writers woken', 'background 1', 'writers woken', 'foreground 2', 'background 2']);
});
