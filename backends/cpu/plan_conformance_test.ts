import { runPlanConformance } from "@remat/conformance";
import { CpuBackend } from "./cpu_backend.ts";

runPlanConformance("cpu", () => new CpuBackend());
