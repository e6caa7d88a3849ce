/**
 * CONFIG GET/SET/RESETSTAT over the parameter registry (src/config-params.ts).
 */
import type { CommandSpec } from './spec';

export const configCommands: CommandSpec[] = [];
