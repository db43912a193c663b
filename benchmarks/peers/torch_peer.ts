/**
 * PyTorch as a peer: benchmarks/peers/torch_${model}.py in the virtual environment that
 * benchmarks/peers/setup.sh makes, a subprocess sent remat's config and batch, then driven one
 * command per line (the protocol is benchmarks/peers/torch_driver.py's).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import type { PeerModel } from "./models.ts";

/** What the script says once it has built the model. */
export interface TorchInfo {
  /** Always true. */
  readonly ready: boolean;
  /** PyTorch's version. */
  readonly torch: string;
  /** PyTorch's default thread count. */
  readonly threads: number;
  /** Modules of its nn.Sequential, one per remat stage. */
  readonly stages: number;
  /** checkpoint_sequential's segments for √n. */
  readonly segments: number;
  /** Trainable scalars. */
  readonly params: number;
  /** Buffer scalars (running statistics). */
  readonly state: number;
}

/** A running PyTorch peer. */
export interface TorchPeer {
  /** What it said when ready. */
  readonly info: TorchInfo;
  /** `steps` forward + backward steps in `mode` ("storeAll" or "sqrt") on `threads` threads, in ms. */
  run(mode: string, threads: number, steps: number): Promise<number[]>;
  /** Ends the subprocess. */
  stop(): void;
}

/** PyTorch with `model`'s config and its batch of step 0, or null where setup.sh has not installed it. */
export async function startTorch(model: PeerModel): Promise<TorchPeer | null> {
  const python = path.resolve(".peers/venv/bin/python");
  if (!existsSync(python)) return null;
  const child = spawn(python, [path.resolve(`benchmarks/peers/torch_${model.key}.py`)], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`benchmarks/peers/torch_${model.key}.py ended without answering`);
    return JSON.parse(line.value as string);
  };
  const { chain, data, batch } = model;
  const host = data.batch(0, batch);
  child.stdin!.write(`${
    JSON.stringify({
      config: chain.config,
      x: Array.from(host.x),
      xShape: [batch, ...chain.input.shape],
      xDtype: chain.input.dtype,
      y: Array.from(host.y),
      yShape: [batch, ...chain.target.shape],
    })
  }\n`);
  const info = await next() as TorchInfo;
  return {
    info,
    async run(mode, threads, steps) {
      child.stdin!.write(`${JSON.stringify({ mode, threads, steps })}\n`);
      return (await next()).ms as number[];
    },
    stop: () => child.kill(),
  };
}
