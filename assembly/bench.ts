// The bench target (build/wasmlp-bench.wasm): the library's module plus the measured ceilings,
// which the library never calls.
export * from "./index";
export { ceiling, ceiling8, ceilingStream } from "./ceiling";
