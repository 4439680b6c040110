// Loaded into the served process by `flowspect bench soak` (node --import): answers memory samples over the IPC
// channel the bench opened, so the server's own heap is measured without an API for it. Plain JavaScript because it
// runs before bin/flowspect.js registers the TypeScript loader. Inert without an IPC channel.
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('message', (m) => {
    if (m?.type !== 'memory') return;
    // A forced collection (node --expose-gc) leaves what is still reachable: the figure a leak shows in.
    if (m.gc && typeof globalThis.gc === 'function') globalThis.gc();
    const loopDelayMs = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    delay.reset();
    process.send({ type: 'memory', id: m.id, ...process.memoryUsage(), loopDelayMs });
  });
  // An orphaned server (the bench died) shuts down as on Ctrl-C instead of serving on.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep the server alive once `serve` has shut down on SIGTERM. Node refs it again on the
  // next tick after a listener is added, so this comes after that.
  setImmediate(() => process.channel?.unref());
}
