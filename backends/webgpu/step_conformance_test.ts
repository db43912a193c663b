import { runErrorConformance, runStepConformance, runTrainDeterminism } from "@remat/conformance";
import { withWebGpu } from "./test_support.ts";

await withWebGpu("training step conformance (webgpu)", (make) => {
  runStepConformance("webgpu", make);
  runTrainDeterminism("webgpu", make);
  runErrorConformance("webgpu", make);
});
