/**
 * docs/commands.md is generated from the command table; this fails when a row
 * changed without regenerating it (node dist/src/tools/command-docs.js).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers/servers';

t.test('docs/commands.md matches the command table', async (t) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'tools', 'command-docs.js'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr || 'up to date');
});
