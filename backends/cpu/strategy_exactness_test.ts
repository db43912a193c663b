import { runStrategyExactness } from "@remat/conformance";
import { CpuBackend } from "./cpu_backend.ts";

runStrategyExactness("cpu", () => new CpuBackend());
