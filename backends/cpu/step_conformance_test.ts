import { runErrorConformance, runStepConformance, runTrainDeterminism } from "@remat/core/testing";
import { CpuBackend } from "./cpu_backend.ts";

runStepConformance("cpu", () => new CpuBackend());
runTrainDeterminism("cpu", () => new CpuBackend());
runErrorConformance("cpu", () => new CpuBackend());
