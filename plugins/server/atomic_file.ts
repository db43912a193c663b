/**
 * Files written whole or not at all, and read if present: the store's and the cluster's data
 * directories use them for records, weights and checkpoints. Only `node:` modules.
 * @module
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs/promises";

/** Temp file in the same folder, write, fsync, rename over the target: readers see old or new, not half. */
export async function writeAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${target}.${randomUUID()}.tmp`;
  try {
    const fh = await fs.open(tmp, "w");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** The file's bytes, or undefined when it does not exist. */
export async function readOptional(file: string): Promise<Uint8Array | undefined> {
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a plain Uint8Array, not a Buffer
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return undefined;
    throw e;
  }
}

/** A step metric, or why the line is not one. */
