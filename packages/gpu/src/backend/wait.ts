/**
 * Waiting for the device without starving it.
 *
 * Dawn's Node binding polls its event loop with `setImmediate` for as long as any of its
 * promises is pending. On a machine with few cores and a software Vulkan driver, that spin
 * takes a core away from the driver's worker threads, which are doing the actual work. So in
 * Node we wait in short synchronous sleeps (which park the main thread and the binding's
 * poller with it) and yield one event-loop turn between sleeps so the binding can notice the
 * completion. The sleep grows from 50 µs to 1 ms, so short waits stay short.
 */
const sleepCell =
  typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function waitQuietly<T>(promise: Promise<T>): Promise<T> {
  if (!isNode || !sleepCell) return promise;
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => {});
  // A few free turns first: small reads often complete within them.
  for (let i = 0; i < 3 && !settled; i++) await yieldTurn();
  let sleepMs = 0.05;
  while (!settled) {
    Atomics.wait(sleepCell, 0, 0, sleepMs);
    await yieldTurn();
    sleepMs = Math.min(sleepMs * 2, 1);
  }
  return tracked;
}
