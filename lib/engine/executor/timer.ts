/** A one-shot timer as a promise; `cancel()` frees it (the promise then never settles). */
export function startTimer(ms: number): { elapsed: Promise<void>; cancel(): void } {
  let handle: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    handle = setTimeout(resolve, ms);
  });
  return { elapsed, cancel: () => clearTimeout(handle) };
}
