import { runPlanConformance } from "@remat/conformance";
import { withWebGpu } from "./test_support.ts";

await withWebGpu("plan conformance (webgpu)", (make) => runPlanConformance("webgpu", make));
