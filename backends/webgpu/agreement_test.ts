import { runBackendAgreement } from "@remat/conformance";
import { CpuBackend } from "@remat/cpu";
import { withWebGpu } from "./test_support.ts";

await withWebGpu(
  "agreement with the CPU backend (webgpu)",
  (make) => runBackendAgreement("webgpu", () => new CpuBackend(), make),
);
