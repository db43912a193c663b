import { runKernelConformance } from "@remat/conformance";
import { withWebGpu } from "./test_support.ts";

await withWebGpu("kernel conformance (webgpu)", (make) => runKernelConformance("webgpu", make));
