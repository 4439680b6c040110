/**
 * Runs an async task for the newest input only: while one run is in flight, later inputs replace each other and
 * only the last one runs next. A slider dragged at 60 Hz thus costs one preview at a time, always the freshest.
 */
export function latestOnly<I, O>(task: (input: I) => Promise<O>, onResult: (out: O, input: I) => void, onError: (err: unknown) => void): (input: I) => void {
  let running = false;
  let pending: { input: I } | null = null;
  async function pump(): Promise<void> {
    while (pending) {
      const { input } = pending;
      pending = null;
      running = true;
      try {
        onResult(await task(input), input);
      } catch (err) {
        onError(err);
      } finally {
        running = false;
      }
    }
  }
  return (input: I) => {
    pending = { input };
    if (!running) void pump();
  };
}
