import { runPlanConformance } from "@remat/core/testing";
import { CpuBackend } from "./cpu_backend.ts";

runPlanConformance("cpu", () => new CpuBackend());
