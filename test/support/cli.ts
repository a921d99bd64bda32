// Runs the CLI in-process, as `wasmpose ...argv` would, capturing what it prints.
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** The exit code and the lines printed to stdout (console.log) and stderr (console.error). */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return captured(main, argv);
}

/**
 * `run(argv)` (the CLI's main, or one command, whose errors then reach the caller as thrown) with
 * what it prints captured.
 */
export async function captured(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await run(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}
