import { runErrorConformance, runStepConformance, runTrainDeterminism } from "@remat/conformance";
import { CpuBackend } from "./cpu_backend.ts";

runStepConformance("cpu", () => new CpuBackend());
runTrainDeterminism("cpu", () => new CpuBackend());
runErrorConformance("cpu", () => new CpuBackend());
