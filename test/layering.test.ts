/**
 * The import rule as a test (docs/architecture.md, "Layers"): reads every
 * TypeScript file of src/ and workers/ and fails on an import that breaks the
 * layering or closes a circle.
 *
 * - src/core/ is shared by both threads and imports only src/core/.
 * - workers/ (the shards) imports only workers/ and src/core/, in the order
 *   of WORKER_LAYERS.
 * - The rest of src/ (the main thread) imports only src/, in the order of
 *   MAIN_LAYERS: a module imports its own layer or lower ones. The one import
 *   of shard code is src/shard-clients/inline-host.ts -> workers/engine.ts.
 * - No import circle of two files or more, type-only imports included.
 */
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers/servers';

/** Main-thread layers, highest first; a path matches the first prefix it starts with. */
const MAIN_LAYERS: readonly (readonly string[])[] = [
  ['src/main.ts'],
  ['src/server.ts'],
  ['src/dispatch.ts', 'src/tools/', 'src/metrics/'],
  ['src/commands/'],
  ['src/coordination/'],
  ['src/replication/'],
  ['src/cluster/'],
  ['src/persistence/'],
  ['src/pubsub/', 'src/monitoring/', 'src/tracking/'],
  ['src/connection.ts', 'src/cli.ts'],
  ['src/config/', 'src/acl/'],
  ['src/shard-clients/', 'src/resp/', 'src/abort-listener.ts', 'src/listeners.ts'],
  ['src/stats.ts', 'src/version.ts', 'src/types/', 'src/client-memory.ts', 'src/client-ids.ts'],
  ['src/core/'],
];

/** Shard layers, highest first. */
const WORKER_LAYERS: readonly (readonly string[])[] = [
  ['workers/shard.ts'],
  ['workers/engine.ts'],
  ['workers/rpc/'],
  ['workers/scripting/'],
  ['workers/run-command.ts'],
  ['workers/ops.ts'],
  ['workers/snapshot.ts'],
  ['workers/families/', 'workers/rdb-values.ts', 'workers/digest.ts'],
  ['workers/op-context.ts', 'workers/expiry.ts', 'workers/eviction.ts'],
  ['workers/shard-state.ts'],
  ['workers/lazyfree.ts'],
  ['workers/db.ts', 'workers/structures/'],
  ['workers/key-signals.ts', 'workers/value.ts', 'workers/serial.ts', 'workers/long-double.ts', 'workers/lcs.ts'],
];

/** The allowed crossing from the main thread into shard code (the inline shard's host). */
const INLINE_HOST = { from: 'src/shard-clients/inline-host.ts', to: 'workers/engine.ts' };

function layerOf(layers: readonly (readonly string[])[], file: string): number {
  for (let i = 0; i < layers.length; i++) if (layers[i].some((p) => file === p || file.startsWith(p))) return i;
  return -1;
}

/** Why an import inside one side breaks its order of layers, or null. */
function downwards(layers: readonly (readonly string[])[], name: string, from: string, to: string): string | null {
  const a = layerOf(layers, from);
  const b = layerOf(layers, to);
  if (a < 0) return `${from} is in no layer of ${name} (test/layering.test.ts): place it`;
  if (b < 0) return `${to} is in no layer of ${name} (test/layering.test.ts): place it`;
  return b >= a ? null : `imports run downwards: ${layers[a].join(', ')} may not import ${layers[b].join(', ')}`;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...listTs(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The repository-relative files a module imports (relative specifiers only; packages and node: builtins are not layers). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.fileName));
    const target = [`${base}.ts`, `${base}/index.ts`, `${base}.d.ts`].find((c) => fs.existsSync(path.join(ROOT, c)));
    out.push(target ?? `${base}.ts`);
  }
  return out;
}

/** Why an import breaks the layering, or null if it is allowed. */
export function violation(from: string, to: string): string | null {
  const fromCore = from.startsWith('src/core/');
  const toCore = to.startsWith('src/core/');
  if (fromCore) return toCore ? null : 'src/core/ may import only src/core/';
  if (from.startsWith('workers/')) {
    if (toCore) return null;
    if (!to.startsWith('workers/')) return 'workers/ may import only workers/ and src/core/';
    return downwards(WORKER_LAYERS, 'WORKER_LAYERS', from, to);
  }
  if (from.startsWith('src/')) {
    if (to.startsWith('workers/')) return from === INLINE_HOST.from && to === INLINE_HOST.to ? null : `the main thread reaches shard code only in ${INLINE_HOST.from}`;
    return downwards(MAIN_LAYERS, 'MAIN_LAYERS', from, to);
  }
  return null;
}

/** Strongly connected components of two files or more (Tarjan). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const files = [...listTs('src'), ...listTs('workers')];
const graph = new Map(files.map((f) => [f, importsOf(f)] as const));

t.test('every import follows the layering', async (t) => {
  const bad: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const why = violation(from, to);
      if (why !== null) bad.push(`${from} -> ${to}: ${why}`);
    }
  }
  t.same(bad, [], bad.join('\n'));
  t.ok(files.length > 100, `${files.length} files read`);
});

t.test('no import circles', async (t) => {
  const found = circles(graph);
  t.same(found, [], found.map((c) => c.join(' -> ')).join('\n'));
});

t.test('the rule itself refuses what it should', async (t) => {
  t.ok(violation('src/core/wire/reply-writer.ts', 'src/connection.ts'), 'core importing the main thread');
  t.ok(violation('src/core/glob.ts', 'workers/db.ts'), 'core importing a shard');
  t.ok(violation('workers/engine.ts', 'src/connection.ts'), 'a shard importing the main thread');
  t.ok(violation('src/commands/keyspace.ts', 'workers/db.ts'), 'main thread importing a shard');
  t.ok(violation('src/coordination/split.ts', 'src/commands/table.ts'), 'an import running upwards');
  t.ok(violation('workers/structures/hash.ts', 'workers/families/keys.ts'), 'a structure importing a command family');
  t.equal(violation(INLINE_HOST.from, INLINE_HOST.to), null, 'the inline host');
  t.equal(violation('src/commands/keyspace.ts', 'src/core/args/scan.ts'), null, 'down into the core');
  t.same(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']], 'a circle of three');
});
