/**
 * The rate a job kind puts into its progress data (images/s for an import, steps/s for training): the average over
 * wall time since the first count this run reported, so a resumed run or a slow start-up (scanning, caching
 * features) does not bend it.
 */

/** Returns a function that takes the running count and gives the average per second since its first call. */
export function averageRate(now: () => number = () => performance.now()): (count: number) => number | undefined {
  let first: { count: number; at: number } | undefined;
  return (count) => {
    const at = now();
    if (!first) {
      first = { count, at };
      return undefined;
    }
    const seconds = (at - first.at) / 1000;
    return count > first.count && seconds > 0 ? (count - first.count) / seconds : undefined;
  };
}

/** True at most once per `intervalMs` (and always for `force`): a kind sends its counts at that pace. */
export function everyMs(intervalMs: number, now: () => number = () => performance.now()): (force?: boolean) => boolean {
  let last = -Infinity;
  return (force = false) => {
    const at = now();
    if (!force && at - last < intervalMs) return false;
    last = at;
    return true;
  };
}
