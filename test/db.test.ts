/**
 * The per-db store directly (no server): entries sit in fixed-size pages, so
 * these runs cross page boundaries (4096 entries) while inserting, deleting in
 * random order, expiring and scanning, and compare with a plain Map model.
 */
import t from 'tap';
import { Db } from '../workers/db';
import { keyHashSlotOfString } from '../src/core/routing/slot';
import { rng } from './helpers/differential';

const N = 10_000;

t.test('insert, overwrite, delete across pages against a Map model', async (t) => {
  const r = rng(6);
  let clock = 1000;
  const db = new Db(() => clock);
  const model = new Map<string, string>();
  for (let step = 0; step < 60_000; step++) {
    const key = `k${Math.floor(r() * N)}`;
    const roll = r();
    if (roll < 0.55) {
      const v = `v${step}`;
      db.set(key, v);
      model.set(key, v);
    } else if (roll < 0.95) {
      t.equal(db.delete(key), model.delete(key), `delete ${key} at ${step}`) || t.bailout();
    } else {
      t.equal(db.get(key, 0), model.get(key), `get ${key} at ${step}`) || t.bailout();
    }
    if (step % 5000 === 0) t.equal(db.size, model.size);
  }
  t.equal(db.size, model.size);
  for (const [k, v] of model) if (db.get(k, 0) !== v) t.fail(`lost ${k}`);
  const seen = new Map<string, number>();
  db.forEach(0, (k, v) => {
    seen.set(k, (seen.get(k) ?? 0) + 1);
    if (model.get(k) !== v) t.fail(`forEach value of ${k}`);
  });
  t.equal(seen.size, model.size, 'forEach visits every key');
  t.ok([...seen.values()].every((c) => c === 1), 'forEach visits each key once');
  clock += 5;
  const some = [...model.keys()][0];
  t.equal(db.idleSeconds(some), 5, 'idle time survives moves between pages');
  // Empty it completely: pages are released and the db stays usable.
  for (const k of [...model.keys()]) db.delete(k);
  t.equal(db.size, 0);
  t.equal(db.randomKey(0), undefined);
  db.set('again', 'x');
  t.equal(db.get('again', 0), 'x');
  t.equal(db.randomKey(0), 'again');
});

t.test('SCAN returns every key present for the whole scan, while keys come and go', async (t) => {
  const r = rng(7);
  const db = new Db(() => 0);
  for (let i = 0; i < N; i++) db.set(`stable${i}`, 'x');
  for (let i = 0; i < N / 2; i++) db.set(`churn${i}`, 'y');
  const found = new Set<string>();
  let cursor = 0;
  let added = 0;
  do {
    cursor = db.scan(cursor, 97, 0, (k) => found.add(k));
    for (let j = 0; j < 20; j++) {
      db.delete(`churn${Math.floor(r() * (N / 2))}`);
      db.set(`new${added++}`, 'z');
    }
  } while (cursor !== 0);
  for (let i = 0; i < N; i++) if (!found.has(`stable${i}`)) t.fail(`scan missed stable${i}`);
  t.pass('every stable key seen');
});

t.test('lazy expiry and RANDOMKEY on a paged db', async (t) => {
  const db = new Db(() => 0);
  for (let i = 0; i < 5000; i++) {
    db.set(`e${i}`, 'x');
    db.setExpire(`e${i}`, 100);
  }
  db.set('live', 'y');
  t.equal(db.randomKey(50) === undefined, false);
  // At time 200 everything but `live` is expired: RANDOMKEY reclaims as it samples.
  let k: string | undefined;
  for (let i = 0; i < 200 && k !== 'live'; i++) k = db.randomKey(200);
  t.equal(db.get('e1', 200), undefined);
  let count = 0;
  db.forEach(200, () => count++);
  t.equal(count, 1, 'only the live key is left');
  t.equal(db.size, 1);
});

t.test('cluster mode: keys counted per slot and indexed by slot, against a Map model', async (t) => {
  const r = rng(17);
  const db = new Db(() => 1000);
  const model = new Set<string>();
  // Keys with a few hash tags, so some slots hold many keys.
  const keyAt = (i: number): string => (i % 3 === 0 ? `{tag${i % 7}}k${i}` : `k${i}`);
  for (let i = 0; i < 3000; i++) {
    db.set(keyAt(i), 'v');
    model.add(keyAt(i));
  }
  db.trackSlots();
  const check = (label: string): void => {
    const bySlot = new Map<number, string[]>();
    for (const k of model) {
      const s = keyHashSlotOfString(k);
      bySlot.set(s, [...(bySlot.get(s) ?? []), k]);
    }
    let bad = 0;
    for (let s = 0; s < 16384; s++) {
      const want = (bySlot.get(s) ?? []).sort();
      if ((db.slotCounts as Uint32Array)[s] !== want.length) bad++;
      else if (want.length > 0 && JSON.stringify(db.keysInSlot(s, want.length + 5, 0).sort()) !== JSON.stringify(want)) bad++;
    }
    t.equal(bad, 0, `${label}: every slot's count and keys match`);
  };
  check('after tracking existing keys');
  for (let step = 0; step < 6000; step++) {
    const k = keyAt(Math.floor(r() * 4000));
    if (r() < 0.5) {
      db.set(k, 'w');
      model.add(k);
    } else {
      db.delete(k);
      model.delete(k);
    }
  }
  check('after writes and deletes with the slot index built');
  const tagSlot = keyHashSlotOfString('{tag0}');
  t.equal(db.keysInSlot(tagSlot, 2, 0).length, 2, 'COUNT bounds the keys returned');
  db.clear();
  model.clear();
  check('after FLUSHALL');
});
