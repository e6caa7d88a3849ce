/**
 * The list structure (workers/structures/list.ts) against a plain array: long
 * random sequences of every operation, so elements cross between the end runs
 * and the packed nodes many times (nodes hold 128 elements or 8 KB, end runs
 * seal at 256 or 16 KB), and the deque that holds the nodes. The black-box
 * and differential list suites cover the commands; this covers the run/node
 * bookkeeping they can only reach by chance.
 */
import t from 'tap';
import fc from 'fast-check';
import { ListValue } from '../workers/structures/list';
import { Deque } from '../workers/structures/deque';

type Op =
  | { k: 'pushBack' | 'pushFront'; v: string; n: number }
  | { k: 'popBack' | 'popFront'; n: number }
  | { k: 'insert' | 'set'; at: number; v: string }
  | { k: 'remove'; v: string; count: number }
  | { k: 'trim'; front: number; back: number }
  | { k: 'read'; at: number; len: number };

const value = fc.oneof(fc.constantFrom('a', 'b', 'c', ''), fc.string({ maxLength: 3 }), fc.string({ minLength: 100, maxLength: 300 }), fc.string({ minLength: 1000, maxLength: 2000 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constantFrom('pushBack' as const, 'pushFront' as const), v: value, n: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('popBack' as const, 'popFront' as const), n: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('insert' as const, 'set' as const), at: fc.nat(), v: value }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), v: fc.constantFrom('a', 'b', 'c', ''), count: fc.integer({ min: -50, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('trim' as const), front: fc.nat(200), back: fc.nat(200) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('read' as const), at: fc.nat(), len: fc.nat(300) }) },
);

function apply(list: ListValue, model: string[], o: Op, i: number): void {
  switch (o.k) {
    case 'pushBack':
      for (let j = 0; j < o.n; j++) {
        list.pushBack(o.v + (j % 3 === 0 ? 'a' : ''));
        model.push(o.v + (j % 3 === 0 ? 'a' : ''));
      }
      break;
    case 'pushFront':
      for (let j = 0; j < o.n; j++) {
        list.pushFront(`${o.v}${j % 5}`);
        model.unshift(`${o.v}${j % 5}`);
      }
      break;
    case 'popBack':
      for (let j = 0; j < o.n; j++) if (list.popBack() !== model.pop()) throw new Error(`popBack differs at op ${i}`);
      break;
    case 'popFront':
      for (let j = 0; j < o.n; j++) if (list.popFront() !== model.shift()) throw new Error(`popFront differs at op ${i}`);
      break;
    case 'insert': {
      const at = o.at % (model.length + 1);
      list.insertAt(at, o.v);
      model.splice(at, 0, o.v);
      break;
    }
    case 'set':
      if (model.length === 0) break;
      list.setAt(o.at % model.length, o.v);
      model[o.at % model.length] = o.v;
      break;
    case 'remove': {
      const limit = o.count === 0 ? Infinity : Math.abs(o.count);
      let removed = 0;
      if (o.count >= 0) {
        for (let j = 0; j < model.length && removed < limit; j++) if (model[j] === o.v) model.splice(j--, 1), removed++;
      } else {
        for (let j = model.length - 1; j >= 0 && removed < limit; j--) if (model[j] === o.v) model.splice(j, 1), removed++;
      }
      if (list.removeMatching(o.v, o.count) !== removed) throw new Error(`removeMatching count differs at op ${i}`);
      break;
    }
    case 'trim':
      list.trim(o.front, o.back);
      if (o.front + o.back >= model.length) model.length = 0;
      else model.splice(model.length - o.back, o.back), model.splice(0, o.front);
      break;
    case 'read': {
      if (model.length === 0) break;
      const start = o.at % model.length;
      const end = Math.min(model.length - 1, start + o.len);
      const got = list.slice(start, end);
      for (let j = start; j <= end; j++) if (got[j - start] !== model[j]) throw new Error(`slice differs at op ${i}`);
      const ranged: string[] = [];
      list.forRange(start, end, { bulkRange: (src, from, to) => ranged.push(src.slice(from, to)) });
      for (let j = start; j <= end; j++) if (ranged[j - start] !== model[j]) throw new Error(`forRange differs at op ${i}`);
      // rangeChars is LRANGE's reservation: never less than the elements' chars, never more than the whole list packed.
      let exact = 0;
      for (let j = start; j <= end; j++) exact += model[j].length;
      const reserved = list.rangeChars(start, end);
      if (reserved < exact || reserved > list.rangeChars(0, model.length - 1)) throw new Error(`rangeChars ${reserved} for ${exact} chars at op ${i}`);
      if (list.at(end) !== model[end] || list.at(start) !== model[start]) throw new Error(`at differs at op ${i}`);
      const probe = model[start];
      if (list.indexOf(probe) !== model.indexOf(probe)) throw new Error(`indexOf differs at op ${i}`);
      break;
    }
  }
  if (list.length !== model.length) throw new Error(`length ${list.length} != ${model.length} after op ${i} (${o.k})`);
}

t.test('random operation sequences match an array', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 60, size: 'max' }), (ops) => {
      const list = new ListValue();
      const model: string[] = [];
      ops.forEach((o, i) => apply(list, model, o, i));
      const all = list.toArray();
      if (all.length !== model.length || all.some((e, j) => e !== model[j])) throw new Error('toArray differs');
      const copy = ListValue.deserialize(list.serialize()).toArray();
      if (copy.length !== model.length || copy.some((e, j) => e !== model[j])) throw new Error('serialize round trip differs');
    }),
    { numRuns: 300 },
  );
  t.pass('300 sequences');
});

t.test('a long list is packed: LRANGE-style reads stay in order', async (t) => {
  const list = new ListValue();
  for (let i = 0; i < 100_000; i++) list.pushBack(`element:${i}`);
  for (let i = 0; i < 100_000; i++) list.pushFront(`front:${i}`);
  t.equal(list.length, 200_000);
  t.equal(list.at(0), 'front:99999');
  t.equal(list.at(100_000), 'element:0');
  t.equal(list.at(150_000), 'element:50000');
  t.same(list.slice(99_998, 100_001), ['front:1', 'front:0', 'element:0', 'element:1']);
  t.equal(list.indexOf('element:99999'), 199_999);
});

t.test('a list of 1 KB values: pushes and pops at both ends keep order', async (t) => {
  const list = new ListValue();
  const v = (i: number) => `${i}:`.padEnd(1024, 'x');
  for (let i = 0; i < 20_000; i++) list.pushFront(v(i));
  for (let i = 0; i < 20_000; i++) list.pushBack(v(-i - 1));
  t.equal(list.at(0), v(19_999));
  t.equal(list.at(20_000), v(-1));
  for (let i = 19_999; i >= 10_000; i--) if (list.popFront() !== v(i)) return t.fail(`popFront ${i}`);
  for (let i = 20_000; i > 10_000; i--) if (list.popBack() !== v(-i)) return t.fail(`popBack ${i}`);
  t.equal(list.length, 20_000);
  t.same(list.slice(9_999, 10_000), [v(0), v(-1)]); // inclusive, as LRANGE
});

t.test('Deque: random operations match an array', async (t) => {
  type DOp = { k: 'push' | 'unshift' | 'pop' | 'shift' | 'insert' | 'remove' | 'set'; at: number; v: number };
  const dop: fc.Arbitrary<DOp> = fc.record({
    k: fc.constantFrom('push' as const, 'unshift' as const, 'pop' as const, 'shift' as const, 'insert' as const, 'remove' as const, 'set' as const),
    at: fc.nat(),
    v: fc.integer(),
  });
  fc.assert(
    fc.property(fc.array(dop, { maxLength: 400 }), (ops) => {
      const d = new Deque<number>();
      const m: number[] = [];
      for (const o of ops) {
        const at = m.length === 0 ? 0 : o.at % m.length;
        if (o.k === 'push') (d.push(o.v), m.push(o.v));
        else if (o.k === 'unshift') (d.unshift(o.v), m.unshift(o.v));
        else if (o.k === 'pop') { if (d.pop() !== m.pop()) throw new Error('pop'); }
        else if (o.k === 'shift') { if (d.shift() !== m.shift()) throw new Error('shift'); }
        else if (o.k === 'insert') { const k = o.at % (m.length + 1); d.insert(k, o.v); m.splice(k, 0, o.v); }
        else if (m.length > 0 && o.k === 'remove') (d.remove(at), m.splice(at, 1));
        else if (m.length > 0 && o.k === 'set') (d.set(at, o.v), (m[at] = o.v));
        if (d.length !== m.length) throw new Error('length');
      }
      for (let i = 0; i < m.length; i++) if (d.at(i) !== m[i]) throw new Error(`at ${i}`);
    }),
    { numRuns: 500 },
  );
  t.pass('500 sequences');
});
