/**
 * Writes docs/commands.md from the command table, so the reference page can
 * never drift from what the server routes and what COMMAND reports.
 *
 *   node dist/src/tools/command-docs.js           # rewrite docs/commands.md
 *   node dist/src/tools/command-docs.js --check   # exit 1 if it is out of date
 */
import fs from 'node:fs';
import path from 'node:path';
import { commandTable } from '../commands/table';
import type { TableEntry } from '../coordination/context';

const OUT = path.resolve(__dirname, '..', '..', '..', 'docs', 'commands.md');

function keysText(e: TableEntry): string {
  const s = e.spec;
  if (s.getKeys) return 'computed';
  if (s.firstKey <= 0) return '—';
  return `${s.firstKey}…${s.lastKey}${s.step > 1 ? ` step ${s.step}` : ''}`;
}

function where(e: TableEntry): string {
  const s = e.spec;
  if (s.runs === 'main') return 'main';
  if (s.cross === 'sum' || s.cross === 'gather' || s.cross === 'all-ok') return `shard (split: ${s.cross})`;
  return s.cross === 'coordinator' ? 'shard (cross-shard coordinator)' : 'shard';
}

function row(e: TableEntry): string {
  const name = e.fullName.replace('|', ' ').toUpperCase();
  const syntax = e.spec.syntax ? `\`${name} ${e.spec.syntax}\`` : `\`${name}\``;
  const cell = (t: string): string => t.replace(/\|/g, '\\|');
  return `| ${cell(syntax)} | ${e.spec.arity} | ${e.spec.flags.join(', ')} | ${keysText(e)} | ${where(e)} | ${e.spec.since} | ${cell(e.spec.summary)} |`;
}

export function renderCommandDocs(): string {
  const byGroup = new Map<string, TableEntry[]>();
  for (const e of commandTable.all()) {
    if (e.subcommands) continue; // containers are listed through their subcommands
    const g = (e.parent ?? e).spec.group;
    if (!byGroup.has(g)) byGroup.set(g, []);
    (byGroup.get(g) as TableEntry[]).push(e);
  }
  const lines = [
    '# Commands',
    '',
    'Generated from the command table by `node dist/src/tools/command-docs.js`; do not edit by hand.',
    '"Runs" says where a command executes: `main` (the coordinator thread) or `shard` (the shard owning its keys;',
    'keys on several shards are split per shard or run by a cross-shard coordinator, see docs/architecture.md).',
    '',
  ];
  for (const g of [...byGroup.keys()].sort()) {
    lines.push(`## ${g}`, '', '| syntax | arity | flags | keys | runs | since | summary |', '|---|---|---|---|---|---|---|');
    const entries = (byGroup.get(g) as TableEntry[]).sort((a, b) => (a.fullName < b.fullName ? -1 : 1));
    for (const e of entries) lines.push(row(e));
    lines.push('');
  }
  return lines.join('\n');
}

if (require.main === module) {
  const text = renderCommandDocs();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('docs/commands.md is out of date: run node dist/src/tools/command-docs.js\n');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(OUT, text);
  }
}
