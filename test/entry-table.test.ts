/**
 * workers/structures/entry-table.ts (a big hash's storage) against a Map:
 * random sets, overwrites and deletes over a small field space (so probe runs
 * collide, grow and are shifted back on delete), checking every lookup,
 * the dense positions and a full walk after each sequence.
 */
import t from 'tap';
import fc from 'fast-check';
import { EntryTable } from '../workers/structures/entry-table';

type Op = { k: 'set'; f: number; v: string } | { k: 'del'; f: number } | { k: 'get'; f: number };

const field = (n: number): string => (n % 7 === 0 ? `f\x00${n}` : n % 11 === 0 ? 'x'.repeat(130 + (n % 5)) + n : `field:${n}`);

t.test('random operations match a Map', async (t) => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('set' as const), f: fc.nat(3000), v: fc.string({ maxLength: 40 }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), f: fc.nat(3000) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('get' as const), f: fc.nat(3000) }) },
  );
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 4000, size: 'max' }), (ops) => {
      const table = new EntryTable();
      const model = new Map<string, string>();
      for (const o of ops) {
        const f = field(o.f);
        if (o.k === 'set') {
          if (table.set(f, o.v) !== !model.has(f)) throw new Error('set: created differs');
          model.set(f, o.v);
        } else if (o.k === 'del') {
          if (table.delete(f) !== model.delete(f)) throw new Error('delete differs');
        } else if (table.get(f) !== model.get(f)) throw new Error('get differs');
        if (table.size !== model.size) throw new Error('size differs');
      }
      const seen = new Map<string, string>();
      for (let i = 0; i < table.size; i++) seen.set(table.fieldAt(i), table.valueAt(i));
      if (seen.size !== model.size) throw new Error('walk size differs');
      for (const [f, v] of model) {
        if (seen.get(f) !== v || table.get(f) !== v || table.find(f) < 0) throw new Error(`entry ${f} differs`);
      }
      const copy = table.clone();
      for (const [f, v] of model) if (copy.get(f) !== v) throw new Error('clone differs');
    }),
    { numRuns: 60 },
  );
  t.pass('60 sequences');
});
