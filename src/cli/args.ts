// A small argument parser: positionals, `--flag value`, `--flag=value`, repeatable flags and
// booleans. Unknown flags are errors, so a typo never silently changes what runs.
import { WasmposeError } from '../nn/errors.js';

export class UsageError extends WasmposeError {}

export interface FlagSpec {
  /** 'boolean' flags take no value; 'list' flags may repeat. */
  kind: 'string' | 'boolean' | 'list';
}

export interface ParsedArgs {
  positionals: string[];
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  booleans: Set<string>;
}

export function parseArgs(argv: readonly string[], flags: Record<string, FlagSpec>): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], strings: new Map(), lists: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = flags[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name}; options: ${Object.keys(flags).map((f) => `--${f}`).join(', ')}`);
    if (spec.kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      parsed.booleans.add(name);
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.kind === 'list') parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
    else parsed.strings.set(name, value);
  }
  return parsed;
}

/** The --input-shape <name>=<d,d,...> flags (bench, convert, inspect) as input shapes by name. */
export function parseInputShapes(args: ParsedArgs): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of args.lists.get('input-shape') ?? []) {
    const eq = spec.indexOf('=');
    const dims = spec.slice(eq + 1).split(',').map(Number);
    if (eq <= 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new UsageError(`--input-shape expects <name>=<d,d,...>, got '${spec}'`);
    shapes[spec.slice(0, eq)] = dims;
  }
  return shapes;
}

export function intFlag(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const text = args.strings.get(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
  return n;
}
