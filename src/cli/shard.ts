// `--shard i/n`: the i-th of n deterministic slices of a sorted file list, so that an existing job
// runner (GNU parallel, Kubernetes indexed jobs, Slurm arrays) spreads a data set over machines
// with no coordination. Numbered from 1, as Jest's and Playwright's --shard are. File k of the
// sorted list (0-based) goes to shard (k mod n) + 1: every file lands in exactly one shard, and
// shard sizes differ by at most one.
import { UsageError } from './args.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match === null ? NaN : Number(match[1]);
  const count = match === null ? NaN : Number(match[2]);
  if (!(count >= 1) || !(index >= 1) || index > count) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 2/4), got '${text}'`);
  }
  return { index, count };
}

/** The files of `shard`, in their order. */
export function shardSlice<T>(files: readonly T[], shard: Shard): T[] {
  return files.filter((_, k) => k % shard.count === shard.index - 1);
}
