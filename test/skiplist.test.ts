/**
 * workers/structures/skiplist.ts (a big sorted set's order) against a sorted
 * array model: random inserts, score updates (moving or staying in place),
 * removals (each one moves the last position into the hole, relinking its
 * neighbours at every level) and runs removed while walking, over a small
 * member space and few distinct scores (so ties fall to member order). After
 * each sequence: both walk directions, every rank both ways, member lookups,
 * the dense positions, score and lex ranges, and a clone.
 */
import t from 'tap';
import fc from 'fast-check';
import { NIL, SkipList, type LexBound, type ScoreRange } from '../workers/structures/skiplist';

type Op =
  | { k: 'add'; m: number; s: number }
  | { k: 'del'; m: number }
  | { k: 'run'; m: number; n: number }
  | { k: 'pop'; max: boolean };

interface El {
  member: string;
  score: number;
}

const member = (n: number): string => (n % 9 === 0 ? `m\x00${n}` : n % 13 === 0 ? 'x'.repeat(70) + n : `member:${n}`);

function cmp(a: El, b: El): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

function fail(msg: string): never {
  throw new Error(msg);
}

/** Every check against the model (sorted). */
function check(zsl: SkipList, model: El[]): void {
  if (zsl.length !== model.length) fail(`length ${zsl.length} != ${model.length}`);
  let i = 0;
  let prev = NIL;
  for (let x = zsl.first; x !== NIL; x = zsl.next(x), i++) {
    const e = model[i];
    if (e === undefined || zsl.member(x) !== e.member || zsl.score(x) !== e.score) fail(`forward walk differs at ${i}`);
    if (zsl.prev(x) !== prev) fail(`backward link differs at ${i}`);
    if (zsl.rankOf(x) !== i + 1) fail(`rankOf differs at ${i}: ${zsl.rankOf(x)}`);
    if (zsl.byRank(i + 1) !== x) fail(`byRank differs at ${i}`);
    if (zsl.find(e.member) !== x) fail(`find differs at ${i}`);
    prev = x;
  }
  if (i !== model.length) fail('forward walk length differs');
  if (zsl.tail !== prev) fail('tail differs');
  i = model.length - 1;
  for (let x = zsl.tail; x !== NIL; x = zsl.prev(x), i--) if (zsl.member(x) !== model[i].member) fail(`backward walk differs at ${i}`);
  // Positions are dense: 1..length each hold one member.
  const seen = new Set<string>();
  for (let x = 1; x <= zsl.length; x++) seen.add(zsl.member(x));
  if (seen.size !== model.length) fail('positions are not dense');
  if (zsl.byRank(0) !== NIL || zsl.byRank(model.length + 1) !== NIL) fail('byRank out of range');
}

function checkRanges(zsl: SkipList, model: El[], lo: number, hi: number, minex: boolean, maxex: boolean): void {
  const r: ScoreRange = { min: lo, max: hi, minex, maxex };
  const inside = model.filter((e) => (minex ? e.score > lo : e.score >= lo) && (maxex ? e.score < hi : e.score <= hi));
  const first = zsl.firstInScoreRange(r);
  const last = zsl.lastInScoreRange(r);
  if (inside.length === 0) {
    if (first !== NIL || last !== NIL) fail(`score range [${lo},${hi}] should be empty`);
    return;
  }
  if (first === NIL || zsl.member(first) !== inside[0].member) fail(`first in [${lo},${hi}] differs`);
  if (last === NIL || zsl.member(last) !== inside[inside.length - 1].member) fail(`last in [${lo},${hi}] differs`);
}

/** With every score equal, lex ranges are well defined: check both descents and the linear scans. */
function checkLex(zsl: SkipList, model: El[], a: string, b: string, aex: boolean, bex: boolean): void {
  const min: LexBound = { inf: 0, s: a, ex: aex };
  const max: LexBound = { inf: 0, s: b, ex: bex };
  const inside = model.filter((e) => (aex ? e.member > a : e.member >= a) && (bex ? e.member < b : e.member <= b));
  const want = (e: El | undefined): string => (e === undefined ? '' : e.member);
  const got = (x: number): string => (x === NIL ? '' : zsl.member(x));
  const r = { min, max };
  if (got(zsl.firstInLexRange(r)) !== want(inside[0]) || got(zsl.firstInLexRangeLinear(r)) !== want(inside[0])) fail(`first lex in ${a}..${b} differs`);
  const end = inside[inside.length - 1];
  if (got(zsl.lastInLexRange(r)) !== want(end) || got(zsl.lastInLexRangeLinear(r)) !== want(end)) fail(`last lex in ${a}..${b} differs`);
}

function run(ops: Op[], scores: (s: number) => number): { zsl: SkipList; model: El[] } {
  const zsl = new SkipList();
  let model: El[] = [];
  const sort = (): void => void model.sort(cmp);
  for (const o of ops) {
    if (o.k === 'add') {
      const m = member(o.m);
      const s = scores(o.s);
      const x = zsl.find(m);
      const at = model.findIndex((e) => e.member === m);
      if ((x === NIL) !== (at < 0)) fail(`find(${m}) differs`);
      if (x === NIL) {
        const pos = zsl.insert(s, m);
        if (pos !== zsl.length || zsl.member(pos) !== m) fail('insert position is not the last');
        model.push({ member: m, score: s });
      } else {
        zsl.updateScore(x, s);
        if (zsl.find(m) !== x) fail('updateScore moved the position');
        model[at].score = s;
      }
    } else if (o.k === 'del') {
      const m = member(o.m);
      const x = zsl.find(m);
      if (x !== NIL) zsl.remove(x);
      model = model.filter((e) => e.member !== m);
    } else if (o.k === 'run') {
      // Remove up to n nodes in order from the one at rank m: removeAndNext follows moved positions.
      sort();
      const start = model.length === 0 ? 0 : o.m % model.length;
      let x = zsl.byRank(start + 1);
      let n = 0;
      while (x !== NIL && n < o.n) {
        if (zsl.member(x) !== model[start + n].member) fail('run walk differs');
        x = zsl.removeAndNext(x);
        n++;
      }
      model.splice(start, n);
    } else {
      sort();
      if (model.length > 0) {
        const x = o.max ? zsl.tail : zsl.first;
        const e = o.max ? model.pop() : model.shift();
        if (zsl.member(x) !== e?.member) fail('pop end differs');
        zsl.remove(x);
      }
    }
    sort();
    if (zsl.length !== model.length) fail('length differs');
  }
  return { zsl, model };
}

const opArb = (members: number, scoreSpace: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ k: fc.constant('add' as const), m: fc.nat(members), s: fc.nat(scoreSpace) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), m: fc.nat(members) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('run' as const), m: fc.nat(members), n: fc.nat(12) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('pop' as const), max: fc.boolean() }) },
  );

t.test('random operations match a sorted array (ranks, links, positions, score ranges)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(opArb(600, 40), { minLength: 1, maxLength: 2500, size: 'max' }),
      fc.array(fc.tuple(fc.integer({ min: -5, max: 45 }), fc.integer({ min: -5, max: 45 }), fc.boolean(), fc.boolean()), { maxLength: 20 }),
      (ops, ranges) => {
        // Scores from a small space, some negative and fractional, so ties are common.
        const { zsl, model } = run(ops, (s) => (s % 4 === 0 ? -s / 4 : s / 2));
        check(zsl, model);
        for (const [a, b, aex, bex] of ranges) checkRanges(zsl, model, a / 2 - 5, b / 2, aex, bex);
        const copy = zsl.clone();
        check(copy, model);
        // The clone is independent: emptying it leaves the original intact.
        while (copy.length > 0) copy.remove(copy.first);
        check(zsl, model);
        zsl.clear();
        check(zsl, []);
        for (const e of model) zsl.insert(e.score, e.member);
        check(zsl, model);
      },
    ),
    { numRuns: 40 },
  );
  t.pass('40 sequences');
});

t.test('equal scores: lex ranges by descent and by linear scan', async (t) => {
  fc.assert(
    fc.property(
      fc.array(opArb(300, 0), { minLength: 1, maxLength: 1500, size: 'max' }),
      fc.array(fc.tuple(fc.nat(320), fc.nat(320), fc.boolean(), fc.boolean()), { maxLength: 20 }),
      (ops, ranges) => {
        const { zsl, model } = run(ops, () => 7);
        check(zsl, model);
        for (const [a, b, aex, bex] of ranges) checkLex(zsl, model, member(a), member(b), aex, bex);
      },
    ),
    { numRuns: 30 },
  );
  t.pass('30 sequences');
});

t.test('100k members: every rank, then half removed', async (t) => {
  const zsl = new SkipList();
  const model: El[] = [];
  for (let i = 0; i < 100_000; i++) {
    const e = { member: `m${i}`, score: (i * 7919) % 100_003 };
    zsl.insert(e.score, e.member);
    model.push(e);
  }
  model.sort(cmp);
  check(zsl, model);
  for (let i = 0; i < 100_000; i += 2) zsl.remove(zsl.find(`m${i}`));
  const left = model.filter((e) => Number(e.member.slice(1)) % 2 === 1);
  check(zsl, left);
  // Down to a few: the arrays and the index shrink on the way, positions stay right.
  for (let i = 1; i < 99_990; i += 2) zsl.remove(zsl.find(`m${i}`));
  check(
    zsl,
    left.filter((e) => Number(e.member.slice(1)) >= 99_990),
  );
  t.pass('consistent');
});
