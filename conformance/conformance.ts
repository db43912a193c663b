/**
 * The kernel conformance suite: one `node:test` suite that every backend runs unchanged.
 * @module
 */
import { describe } from "node:test";
import type { MakeBackend } from "./_harness.ts";
import { backwardTests } from "./conformance_backward.ts";
import { determinismTests } from "./conformance_determinism.ts";
import { dropoutTests } from "./conformance_dropout.ts";
import { forwardTests } from "./conformance_forward.ts";
import { linearTests } from "./conformance_linear.ts";
import { mathTests } from "./conformance_math.ts";
import { convTests } from "./conformance_conv.ts";
import { poolTests } from "./conformance_pool.ts";
import { batchNormTests } from "./conformance_batch_norm.ts";
import { optimizerTests } from "./conformance_optim.ts";

/**
 * Registers the kernel conformance suite for a backend: every forward kernel against a
 * float64 host computation, every backward kernel against finite differences of it,
 * the fused linear layer against the unfused kernels bit for bit, dropout's mask, the optimizer
 * steps, bit-for-bit determinism and leak-free allocation.
 * Each test builds its own backend with `makeBackend` and disposes it afterwards.
 * @param name the backend's name, shown in the suite title
 * @param makeBackend builds a fresh backend
 * @example
 * ```ts
 * import { runKernelConformance } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runKernelConformance("cpu", () => new CpuBackend());
 * ```
 */
export function runKernelConformance(name: string, makeBackend: MakeBackend): void {
  describe(`kernel conformance (${name})`, () => {
    describe("forward", () => forwardTests(makeBackend));
    describe("backward", () => backwardTests(makeBackend));
    describe("fused linear", () => linearTests(makeBackend));
    describe("math for losses", () => mathTests(makeBackend));
    describe("convolution", () => convTests(makeBackend));
    describe("pooling", () => poolTests(makeBackend));
    describe("batch norm", () => batchNormTests(makeBackend));
    describe("dropout", () => dropoutTests(makeBackend));
    describe("optimizers", () => optimizerTests(makeBackend));
    describe("determinism and memory", () => determinismTests(makeBackend));
  });
}
