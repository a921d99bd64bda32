// A fuzz worker process: runs cases [first, first + count) of one campaign and reports to its
// parent over IPC before each case ('case'), for every finding ('untyped'), and at the end
// ('done'). A case that kills the process (V8 fatal error, out of memory) or runs past the time
// limit is found by the parent, which knows the case from the last 'case' message.
import { WasmposeError } from '../src/nn/errors.js';
import { TARGETS, caseOf } from './targets.js';

export type ChildMessage =
  | { kind: 'case'; index: number }
  | { kind: 'untyped'; index: number; error: string; stack: string }
  | { kind: 'done'; cases: number; typed: number };

/** Resolves once the message is written: the parent must know the current case before it runs. */
function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

async function main(): Promise<void> {
  const [format, seedText, firstText, countText] = process.argv.slice(2);
  const target = TARGETS.get(format!)!;
  const seeds = target.seeds();
  const seed = Number(seedText);
  const first = Number(firstText);
  const count = Number(countText);
  let typed = 0;
  // Warnings (thread clamps and the like) are not findings; keep the campaign's output readable.
  console.warn = () => {};
  // A child's IPC channel does not keep its event loop alive, so while a case awaits WebAssembly
  // compilation the loop can run empty and Node drains V8's background tasks, where it can
  // deadlock (nodejs/node#54918: seen once in 37,000 ONNX cases under load). A referenced timer
  // keeps the loop from emptying; it is cleared when the batch ends.
  const keepAlive = setInterval(() => {}, 1 << 30);
  for (let index = first; index < first + count; index++) {
    await send({ kind: 'case', index });
    try {
      await target.run(caseOf(target, seeds, seed, index));
    } catch (e) {
      if (e instanceof WasmposeError) typed++;
      else await send({ kind: 'untyped', index, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? (e.stack ?? '') : '' });
    }
  }
  await send({ kind: 'done', cases: count, typed });
  clearInterval(keepAlive);
  process.disconnect();
}

await main();
