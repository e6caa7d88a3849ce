/**
 * How Redis keeps a command's arguments in a slow log entry
 * (slowlogCreateEntry): at most 32 arguments, the last of them replaced by
 * "... (N more arguments)", and each argument cut at 128 bytes with
 * "... (N more bytes)". Shards cut before sending, so a huge MSET never
 * crosses threads whole.
 */
const MAX_ARGC = 32;
const MAX_STRING = 128;

export function slowlogArgs(args: readonly string[]): string[] {
  const argc = Math.min(args.length, MAX_ARGC);
  const out: string[] = new Array(argc);
  for (let j = 0; j < argc; j++) {
    if (argc !== args.length && j === argc - 1) {
      out[j] = `... (${args.length - argc + 1} more arguments)`;
      continue;
    }
    const a = args[j];
    out[j] = a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a;
  }
  return out;
}
