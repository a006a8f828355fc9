// Bump allocator over the module's linear memory. The host resets it before
// and after every backend call, so memory grows to the largest problem seen
// and no further. No managed AssemblyScript objects are ever allocated, so the
// stub runtime's own heap stays unused.

const ALIGN: usize = 16;
const PAGE_BYTES: u64 = 65536;
// wasm32 addresses end at 4 GiB (65536 pages); stopping one page short keeps
// every end address representable as a u32.
const MAX_PAGES: u64 = 65535;

let top: usize = 0;

function heapStart(): usize {
  return (__heap_base + ALIGN - 1) & ~(ALIGN - 1);
}

/** Drops every allocation; later `alloc` calls reuse the same memory. */
export function reset(): void {
  top = heapStart();
}

/** Reserves `bytes` bytes aligned to 16, growing memory when needed; returns 0 when memory cannot grow that far. */
export function alloc(bytes: u32): usize {
  if (top == 0) top = heapStart();
  const start: u64 = <u64>top;
  const end: u64 = (start + <u64>bytes + <u64>(ALIGN - 1)) & ~<u64>(ALIGN - 1);
  const neededPages: u64 = (end + PAGE_BYTES - 1) / PAGE_BYTES;
  if (neededPages > MAX_PAGES) return 0;
  const havePages: u64 = <u64>memory.size();
  if (neededPages > havePages) {
    if (memory.grow(<i32>(neededPages - havePages)) < 0) return 0;
  }
  top = <usize>end;
  return <usize>start;
}

/** Returns the first byte the allocator hands out, so the host can size problems against the 4 GiB limit. */
export function heapBase(): usize {
  return heapStart();
}
