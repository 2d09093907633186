// Performance marks the app benchmark reads (docs/benchmarks.md, bench/app-bench.mjs): a
// screen marks the frame after the render that showed its data, as the gallery marks its
// first paint. A mark costs nothing a creator notices, so it is always on.

/** Marks `name` once the frame that follows the caller's render has been painted. */
export function markPainted(name: string): void {
  requestAnimationFrame(() => setTimeout(() => performance.mark(name)));
}
