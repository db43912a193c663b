/**
 * @remat/cpu — the CPU reference backend: every kernel on TypedArrays, deterministic.
 *
 * @example
 * ```ts
 * import { CpuBackend } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * const x = cpu.upload(new Float32Array([1, -2]), [2], "f32");
 * console.log(await cpu.read(cpu.kernels.relu(x)));
 * ```
 * @module
 */
export * from "./cpu_backend.ts";
