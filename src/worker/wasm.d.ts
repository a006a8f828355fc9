/** Wrangler's default module rules load `**\/*.wasm` as a compiled `WebAssembly.Module`. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
