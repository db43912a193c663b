import { runStrategyExactness } from "@remat/conformance";
import { withWebGpu } from "./test_support.ts";

await withWebGpu("strategy exactness (webgpu)", (make) => runStrategyExactness("webgpu", make));
