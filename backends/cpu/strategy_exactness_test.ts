import { runStrategyExactness } from "@remat/strategies/testing";
import { CpuBackend } from "./cpu_backend.ts";

runStrategyExactness("cpu", () => new CpuBackend());
