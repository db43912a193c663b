/**
 * The WebGPU suites the GPU host check runs on the real adapter, as one bundle for
 * `deno test`: kernel conformance, agreement with the CPU backend, strategy exactness.
 * @module
 */
import "../../backends/webgpu/conformance_test.ts";
import "../../backends/webgpu/agreement_test.ts";
import "../../backends/webgpu/strategy_exactness_test.ts";
