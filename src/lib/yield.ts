// Long scheduled work runs in slices: between two, the event loop serves
// whatever waits (requests, the webhook). Awaiting the embedded database does
// not yield by itself (its answers are already settled promises).

/** Lets every waiting I/O callback run before going on (a zero timer where setImmediate is missing). */
export function yieldToEventLoop(): Promise<void> {
  const later = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate ?? ((f: () => void) => setTimeout(f, 0));
  return new Promise((resolve) => void later(resolve));
}

/** Rows one slice of scheduled work writes: a batch of them holds the event loop a few milliseconds. */
export const SLICE_ROWS = 100;
