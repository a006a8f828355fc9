// Exported kernels of kernels.wasm. Every pointer is a byte offset into the
// exported memory obtained from `alloc`; matrices are row-major. Functions
// ending in 32 take f32 input matrices, the others f64.
import { gramRows as gramRowsT, matVec as matVecT, matTVec as matTVecT } from './products';

export { alloc, reset, heapBase } from './heap';
export { cholesky, choleskySolve, lastPivot } from './factor';
export { symmetricEigen } from './eigen';

export function gramRows64(x: usize, rows: i32, cols: i32, g: usize, out: usize): void {
  gramRowsT<f64>(x, rows, cols, g, out);
}

export function gramRows32(x: usize, rows: i32, cols: i32, g: usize, out: usize): void {
  gramRowsT<f32>(x, rows, cols, g, out);
}

export function matVec64(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  matVecT<f64>(a, rows, cols, x, y);
}

export function matVec32(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  matVecT<f32>(a, rows, cols, x, y);
}

export function matTVec64(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  matTVecT<f64>(a, rows, cols, x, y);
}

export function matTVec32(a: usize, rows: i32, cols: i32, x: usize, y: usize): void {
  matTVecT<f32>(a, rows, cols, x, y);
}
