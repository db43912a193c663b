import { runKernelConformance } from "@remat/core/testing";
import { CpuBackend } from "./cpu_backend.ts";

runKernelConformance("cpu", () => new CpuBackend());
