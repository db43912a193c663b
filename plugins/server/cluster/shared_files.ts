/**
 * Weights and checkpoints of cluster jobs in the shared data directory (`<dir>/jobs/`), named
 * by their content: `<id>.<sha256>.safetensors` for trained weights and
 * `<id>.checkpoint-<step>-<sha256 prefix>.safetensors` for checkpoints. Two workers that ever
 * wrote the same job's file (one of them fenced out a moment later) wrote the same bytes under
 * the same name, atomically, so a reader never sees a mix; the record in PostgreSQL names the
 * file (size and SHA-256) and a reader checks it before use.
 * @module
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { InvalidArgument } from "@remat/core";
import { readOptional, writeAtomic } from "../atomic_file.ts";
import { storedFileOf, WeightsCorrupt } from "../job_store.ts";
import type { StoredFile } from "../job_types.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A checkpoint as a record names it: the step it was taken after, its size and hash. */
export type CheckpointFile = StoredFile & { readonly step: number };

/**
 * The shared data directory of a cluster.
 * @example
 * ```ts
 * const files = await SharedFiles.open("/mnt/remat");
 * const weights = await files.saveWeights("job_1", bytes);
 * ```
 */
export class SharedFiles {
  private constructor(
    /** The data directory. */
    readonly dir: string,
  ) {}

  /** Opens (creating where missing) `<dir>/jobs`. */
  static async open(dir: string): Promise<SharedFiles> {
    const abs = path.resolve(dir);
    await fs.mkdir(path.join(abs, "jobs"), { recursive: true });
    return new SharedFiles(abs);
  }

  /** Stores trained weights; returns their size and SHA-256. */
  async saveWeights(id: string, bytes: Uint8Array): Promise<StoredFile> {
    const file = storedFileOf(bytes);
    await writeAtomic(this.#weights(id, file), bytes);
    return file;
  }

  /** The weights `expected` names, checked (WeightsCorrupt); undefined when none are named or the file is gone. */
  async readWeights(id: string, expected?: StoredFile): Promise<Uint8Array | undefined> {
    if (!expected) return undefined;
    return await this.#read("weights", this.#weights(id, expected), expected);
  }

  /** Stores a checkpoint taken after `step` steps. */
  async saveCheckpoint(id: string, step: number, bytes: Uint8Array): Promise<CheckpointFile> {
    const file = { step, ...storedFileOf(bytes) };
    await writeAtomic(this.#checkpoint(id, file), bytes);
    return file;
  }

  /** The checkpoint `expected` names, checked (WeightsCorrupt); undefined when the file is gone. */
  async readCheckpoint(id: string, expected: CheckpointFile): Promise<Uint8Array | undefined> {
    return await this.#read("checkpoint", this.#checkpoint(id, expected), expected);
  }

  /** Removes the job's checkpoint files, except `keep`. */
  async removeCheckpoints(id: string, keep?: CheckpointFile): Promise<void> {
    const jobs = path.join(this.dir, "jobs"), prefix = `${checkId(id)}.checkpoint-`;
    const kept = keep ? path.basename(this.#checkpoint(id, keep)) : undefined;
    const names = await fs.readdir(jobs).catch(() => [] as string[]);
    await Promise.all(
      names.filter((n) => n.startsWith(prefix) && n !== kept).map((n) =>
        fs.rm(path.join(jobs, n), { force: true })
      ),
    );
  }

  #weights(id: string, file: StoredFile): string {
    return path.join(this.dir, "jobs", `${checkId(id)}.${checkHash(file.sha256)}.safetensors`);
  }

  #checkpoint(id: string, file: CheckpointFile): string {
    const name = `${checkId(id)}.checkpoint-${file.step}-${checkHash(file.sha256).slice(0, 16)}.safetensors`;
    return path.join(this.dir, "jobs", name);
  }

  async #read(
    what: "weights" | "checkpoint",
    file: string,
    expected: StoredFile,
  ): Promise<Uint8Array | undefined> {
    const bytes = await readOptional(file);
    if (bytes === undefined) return undefined;
    const actual = storedFileOf(bytes);
    if (actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) {
      throw new WeightsCorrupt(what, path.basename(file), expected, actual);
    }
    return bytes;
  }
}

function checkId(id: string): string {
  if (!ID.test(id)) {
    throw new InvalidArgument({ name: "job id", value: id, expected: "1-64 of A-Z a-z 0-9 _ -" });
  }
  return id;
}

function checkHash(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new InvalidArgument({ name: "sha256", value: sha256, expected: "64 lowercase hex digits" });
  }
  return sha256;
}
