/**
 * The main job: trains a residual MLP on interleaved spirals (or a GPT on the shipped text)
 * under a checkpointing strategy (store-all by default) on the CPU or WebGPU backend, printing
 * loss, step time and peak activation memory, and exits 0 when the final loss is clearly below
 * the initial one. It is `remat train` (the CLI's command) under another name.
 *
 *   deno task train                       # residual MLP on spirals, embedded defaults
 *   deno task train --model gpt --steps 150
 *   deno task train --backend webgpu --strategy sqrt
 * @module
 */
import process from "node:process";
import { runCli } from "@remat/cli";

process.exitCode = await runCli(["train", ...process.argv.slice(2)], { program: "deno task train" });
