import { runKernelConformance } from "@remat/conformance";
import { CpuBackend } from "./cpu_backend.ts";

runKernelConformance("cpu", () => new CpuBackend());
