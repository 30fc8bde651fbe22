// A bounded pool: the batch runners of the editor and the command line take their jobs through it.

/**
 * Runs `task` on the items with at most `limit` at a time, in order, starting no new item once
 * `signal` is aborted; resolves when every started task has settled.
 */
export async function runBounded<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
