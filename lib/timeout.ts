/**
 * `work`, or a rejection with `late()` once `ms` have passed. The timer is cleared either way;
 * `work` itself goes on, and its outcome, whenever it comes, is dropped. The one race against a
 * clock that every deadline here uses (a store that stops answering sends no error).
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
