/**
 * A durable store of job records, step metrics, trained weights and training checkpoints in a
 * data directory: `<dir>/jobs/<id>.json`, `<id>.metrics.ndjson`, `<id>.safetensors` and
 * `<id>.checkpoint.safetensors`. Only `node:` modules, so it runs under Deno, Bun and Node alike.
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { InvalidArgument } from "@remat/core";
import { readOptional, writeAtomic } from "./atomic_file.ts";
import {
  type CorruptRecord,
  FINAL_STATES,
  type JobRecord,
  type StepMetric,
  type StoredFile,
} from "./job_types.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** States a record file may hold: `corrupt` is only ever given to a record that cannot be read. */
const STATES: ReadonlySet<string> = new Set(
  ["queued", "running", ...FINAL_STATES].filter((s) => s !== "corrupt"),
);
const SUFFIX = { weights: ".safetensors", checkpoint: ".checkpoint.safetensors" } as const;
const METRIC_FIELDS = ["step", "loss", "ms", "peakBytes"] as const;
const invalid = (name: string, value: unknown, expected: string) =>
  new InvalidArgument({ name, value, expected });
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A line of a metrics file that `JobStore.readMetrics` left out, and why.
 * @example
 * ```ts
 * for (const s of (await store.readMetrics(id)).skipped) console.warn(`line ${s.line}: ${s.reason}`);
 * ```
 */
export interface SkippedLine {
  /** The line number, from 1. */
  readonly line: number;
  /** What is wrong with it. */
  readonly reason: string;
}

/**
 * What `JobStore.readMetrics` returns: the valid step metrics, and the lines it left out.
 * @example
 * ```ts
 * const { metrics, skipped }: MetricsRead = await store.readMetrics(id);
 * ```
 */
export interface MetricsRead {
  /** The valid metrics, in file order. */
  readonly metrics: StepMetric[];
  /** The complete lines that are not step metrics (a torn last line is not listed). */
  readonly skipped: SkippedLine[];
}

/**
 * A stored weights or checkpoint file does not match the size and SHA-256 recorded when it was
 * saved: it was truncated or altered on disk, so it must not be served or loaded.
 * @example
 * ```ts
 * try {
 *   await store.readWeights(id, store.get(id)?.weights);
 * } catch (e) {
 *   if (e instanceof WeightsCorrupt) console.error(e.message, e.expected, e.actual);
 * }
 * ```
 */
export class WeightsCorrupt extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "WeightsCorrupt";
  /**
   * A mismatch between a stored file and what was recorded when it was saved.
   * @param what Which file: the trained weights or a training checkpoint.
   * @param file The file's name.
   * @param expected Size and hash recorded when it was saved.
   * @param actual Size and hash of the file as it is now.
   */
  constructor(
    readonly what: "weights" | "checkpoint",
    readonly file: string,
    readonly expected: StoredFile,
    readonly actual: StoredFile,
  ) {
    super(
      `the stored ${what} file ${file} is corrupt: it has ${actual.bytes} bytes with SHA-256 ${actual.sha256}; ` +
        `${expected.bytes} bytes with SHA-256 ${expected.sha256} were saved`,
    );
  }
}

/**
 * The size and SHA-256 (hex) of some bytes, as the store records them.
 * @param bytes The file's bytes.
 * @example
 * ```ts
 * storedFileOf(new Uint8Array(0)).sha256; // "e3b0c442...b855"
 * ```
 */
export function storedFileOf(bytes: Uint8Array): StoredFile {
  return { bytes: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** One pending change of a file. A file gets either appends, or whole writes and removals. */
type Op =
  | { readonly kind: "write"; readonly data: string | Uint8Array }
  | { readonly kind: "append"; readonly data: string }
  | { readonly kind: "remove" };

/** Changes waiting on one file: `next` has not started yet, so later changes merge into it. */
interface Slot {
  tail: Promise<void>;
  next?: { op: Op; readonly done: Promise<void> };
}

/**
 * Job records kept in memory and on disk; every write is atomic, and writes to one file land
 * in call order (writes queued behind a running one merge: the latest record, all appended lines).
 * @example
 * const store = await JobStore.open("./data");
 * await store.save({ ...record, state: "running" });
 */
export class JobStore {
  readonly #records = new Map<string, JobRecord>();
  readonly #slots = new Map<string, Slot>();
  readonly #appendChecked = new Set<string>();
  readonly #corrupt: ReadonlyMap<string, CorruptRecord>;

  private constructor(
    readonly dir: string,
    readonly skipped: ReadonlyArray<{ file: string; reason: string }>,
    readonly corrupt: ReadonlyArray<CorruptRecord>,
  ) {
    this.#corrupt = new Map(corrupt.map((r) => [r.id, r]));
  }

  /**
   * Creates the directory if needed and loads every record. Records found `queued` or `running` are
   * rewritten (atomically) as `interrupted`. A record file that cannot be read is never thrown:
   * named `<id>.json` with a valid id, it becomes a {@link CorruptRecord} in `corrupt` (and its
   * files are never written or removed); otherwise it is listed in `skipped`.
   * @param dir The data directory; records live under `<dir>/jobs`.
   * @example
   * const store = await JobStore.open("./data");
   * for (const s of store.skipped) console.warn(`skipped ${s.file}: ${s.reason}`);
   * for (const r of store.corrupt) console.warn(`corrupt record ${r.id}: ${r.error.message}`);
   */
  static async open(dir: string): Promise<JobStore> {
    const jobs = path.join(dir, "jobs");
    await fs.mkdir(jobs, { recursive: true });
    const skipped: { file: string; reason: string }[] = [];
    const corrupt: CorruptRecord[] = [];
    const loaded: JobRecord[] = [];
    for (const file of (await fs.readdir(jobs)).sort()) {
      // A temp file is a write that never reached its rename; the target still holds the previous version.
      if (file.endsWith(".tmp")) await fs.rm(path.join(jobs, file), { force: true });
      if (!file.endsWith(".json")) continue;
      try {
        loaded.push(parseRecord(file, await fs.readFile(path.join(jobs, file), "utf8")));
      } catch (e) {
        const id = file.slice(0, -".json".length);
        if (ID.test(id)) corrupt.push(await corruptRecord(jobs, id, messageOf(e)));
        else skipped.push({ file, reason: messageOf(e) });
      }
    }
    const store = new JobStore(dir, skipped, corrupt);
    const now = new Date().toISOString();
    await Promise.all(loaded.map((r) => {
      if (FINAL_STATES.has(r.state)) return void store.#records.set(r.id, r);
      const message = `the service stopped while the job was ${r.state}; submit it again to rerun it`;
      const error = { tag: "Interrupted", message };
      return store.save({ ...r, state: "interrupted", finishedAt: now, error });
    }));
    return store;
  }

  /**
   * Every record, oldest first (by `createdAt`, then id).
   * @example
   * const ids = store.list().map((r) => r.id);
   */
  list(): JobRecord[] {
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return [...this.#records.values()].sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id));
  }

  /**
   * The record of a job, or undefined when there is none.
   * @param id The job id.
   * @example
   * const state = store.get("job-1")?.state;
   */
  get(id: string): JobRecord | undefined {
    return this.#records.get(id);
  }

  /**
   * The corrupt record of a job (see `corrupt`), or undefined when its record is readable or absent.
   * @param id The job id.
   * @example
   * const reason = store.getCorrupt("job-1")?.error.message;
   */
  getCorrupt(id: string): CorruptRecord | undefined {
    return this.#corrupt.get(id);
  }

  /**
   * Stores a record: `get` sees it at once; the promise settles once it (or a later save) is on disk.
   * @param record The record; `record.id` must match `/^[A-Za-z0-9_-]{1,64}$/`.
   * @example
   * await store.save({ ...store.get(id)!, state: "succeeded", finishedAt: new Date().toISOString() });
   */
  async save(record: JobRecord): Promise<void> {
    const file = this.#file(record.id, ".json", true);
    this.#records.set(record.id, record);
    await this.#enqueue(file, { kind: "write", data: `${JSON.stringify(record, null, 2)}\n` });
  }

  /**
   * Appends step metrics to a job's metrics file, one JSON line each.
   * @param id The job id.
   * @param metrics The steps to append, in order.
   * @example
   * await store.appendMetrics(id, [{ step: 0, loss: 2.3, ms: 4, peakBytes: 1024 }]);
   */
  async appendMetrics(id: string, metrics: ReadonlyArray<StepMetric>): Promise<void> {
    const file = this.#file(id, ".metrics.ndjson", true);
    const text = metrics.map((m) => `${JSON.stringify(m)}\n`).join("");
    if (text !== "") await this.#enqueue(file, { kind: "append", data: text });
  }

  /**
   * Every metric of a job appended so far. A torn last line (a crash mid-append) is ignored;
   * any other line that is not a step metric (an object with finite `step`, `loss`, `ms` and
   * `peakBytes`) is left out, listed in `skipped` and counted in one `console.warn`.
   * @param id The job id.
   * @example
   * const { metrics, skipped } = await store.readMetrics(id);
   * const losses = metrics.map((m) => m.loss);
   */
  async readMetrics(id: string): Promise<MetricsRead> {
    const file = this.#file(id, ".metrics.ndjson");
    await this.#slots.get(file)?.tail;
    const read: MetricsRead = { metrics: [], skipped: [] };
    const bytes = await readOptional(file);
    if (bytes === undefined) return read;
    const lines = new TextDecoder().decode(bytes).split("\n");
    lines.pop(); // after the last newline: empty, or a torn line
    lines.forEach((line, i) => {
      const m = parseMetric(line);
      if (typeof m === "string") read.skipped.push({ line: i + 1, reason: m });
      else read.metrics.push(m);
    });
    if (read.skipped.length > 0) {
      console.warn(
        `remat store: skipped ${read.skipped.length} invalid line(s) of ${path.basename(file)}, first line ${
          read.skipped[0]!.line
        }: ${read.skipped[0]!.reason}`,
      );
    }
    return read;
  }

  /**
   * Rewrites a job's metrics file (atomically) without the steps from `step` on: a job resumed
   * from its checkpoint at `step` runs them again and appends them anew. Lines that are not step
   * metrics are dropped with them.
   * @param id The job id.
   * @param step The first step to drop.
   * @example
   * await store.keepMetricsBefore(id, checkpoint.step);
   */
  async keepMetricsBefore(id: string, step: number): Promise<void> {
    const file = this.#file(id, ".metrics.ndjson", true);
    const { metrics } = await this.readMetrics(id);
    const kept = metrics.filter((m) => m.step < step).map((m) => `${JSON.stringify(m)}\n`).join("");
    await this.#enqueue(file, { kind: "write", data: kept });
  }

  /**
   * Stores a job's trained weights (a safetensors file), atomically.
   * @param id The job id.
   * @param bytes The file's bytes, e.g. from `encodeSafetensors`.
   * @returns The size and SHA-256 of `bytes`, to keep in the record's `weights`.
   * @example
   * const weights = await store.saveWeights(id, encodeSafetensors(chainTensors(chain, host)));
   * await store.save({ ...store.get(id)!, hasWeights: true, weights });
   */
  async saveWeights(id: string, bytes: Uint8Array): Promise<StoredFile> {
    return await this.#saveFile(id, "weights", bytes);
  }

  /**
   * A job's stored weights, or undefined when none were saved.
   * @param id The job id.
   * @param expected The size and hash recorded at save time (a record's `weights`); when given, a
   *   file that differs throws {@link WeightsCorrupt} instead of being returned.
   * @example
   * const bytes = await store.readWeights(id, store.get(id)?.weights);
   */
  async readWeights(id: string, expected?: StoredFile): Promise<Uint8Array | undefined> {
    return await this.#readFile(id, "weights", expected);
  }

  /**
   * Removes a job's stored weights; no error when there are none.
   * @param id The job id.
   * @example
   * await store.removeWeights(id);
   */
  async removeWeights(id: string): Promise<void> {
    await this.#enqueue(this.#file(id, SUFFIX.weights, true), { kind: "remove" });
  }

  /**
   * Stores a job's training checkpoint (a safetensors file, `<id>.checkpoint.safetensors`), atomically.
   * @param id The job id.
   * @param bytes The file's bytes.
   * @returns The size and SHA-256 of `bytes`, to pass to `readCheckpoint` when resuming.
   * @example
   * const saved = await store.saveCheckpoint(id, encodeSafetensors(tensors));
   */
  async saveCheckpoint(id: string, bytes: Uint8Array): Promise<StoredFile> {
    return await this.#saveFile(id, "checkpoint", bytes);
  }

  /**
   * A job's stored checkpoint, or undefined when there is none.
   * @param id The job id.
   * @param expected The size and hash `saveCheckpoint` returned; when given, a file that differs
   *   throws {@link WeightsCorrupt} (with `what` "checkpoint") instead of being returned.
   * @example
   * const bytes = await store.readCheckpoint(id, saved);
   */
  async readCheckpoint(id: string, expected?: StoredFile): Promise<Uint8Array | undefined> {
    return await this.#readFile(id, "checkpoint", expected);
  }

  /**
   * Removes a job's checkpoint; no error when there is none.
   * @param id The job id.
   * @example
   * await store.removeCheckpoint(id);
   */
  async removeCheckpoint(id: string): Promise<void> {
    await this.#enqueue(this.#file(id, SUFFIX.checkpoint, true), { kind: "remove" });
  }

  /**
   * Waits for every write issued so far (failed writes included; their callers saw the error).
   * @example
   * await store.flush();
   */
  async flush(): Promise<void> {
    await Promise.all([...this.#slots.values()].map((s) => s.tail));
  }

  async #saveFile(id: string, what: keyof typeof SUFFIX, bytes: Uint8Array): Promise<StoredFile> {
    const file = this.#file(id, SUFFIX[what], true);
    const stored = storedFileOf(bytes);
    await this.#enqueue(file, { kind: "write", data: bytes });
    return stored;
  }

  async #readFile(
    id: string,
    what: keyof typeof SUFFIX,
    expected: StoredFile | undefined,
  ): Promise<Uint8Array | undefined> {
    const file = this.#file(id, SUFFIX[what]);
    await this.#slots.get(file)?.tail;
    const bytes = await readOptional(file);
    if (bytes === undefined || expected === undefined) return bytes;
    const actual = storedFileOf(bytes);
    if (actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) {
      throw new WeightsCorrupt(what, path.basename(file), expected, actual);
    }
    return bytes;
  }

  /** A job's file; `write`: refused for a corrupt record's job, whose files are kept as they are. */
  #file(id: string, suffix: string, write = false): string {
    if (typeof id !== "string" || !ID.test(id)) throw invalid("job id", id, "1-64 of A-Z a-z 0-9 _ -");
    if (write && this.#corrupt.has(id)) {
      throw invalid(
        "job id",
        id,
        "the id of a job whose record is readable; a corrupt record's files are kept",
      );
    }
    return path.join(this.dir, "jobs", id + suffix);
  }

  #enqueue(file: string, op: Op): Promise<void> {
    const slot = this.#slots.get(file);
    if (slot?.next) {
      const prev = slot.next.op;
      slot.next.op = op.kind === "append" && prev.kind === "append"
        ? { kind: "append", data: prev.data + op.data }
        : op;
      return slot.next.done;
    }
    const { promise: done, resolve, reject } = Promise.withResolvers<void>();
    const next = { op, done };
    const s: Slot = slot ?? { tail: Promise.resolve() };
    s.next = next;
    const tail = s.tail.then(async () => {
      s.next = undefined;
      try {
        const op = next.op;
        if (op.kind === "append") await this.#append(file, op.data);
        else if (op.kind === "write") await writeAtomic(file, op.data);
        else await fs.rm(file, { force: true });
        resolve();
      } catch (e) {
        reject(e);
      }
      if (s.tail === tail) this.#slots.delete(file);
    });
    s.tail = tail;
    this.#slots.set(file, s);
    return done;
  }

  async #append(file: string, text: string): Promise<void> {
    if (!this.#appendChecked.has(file)) {
      // Drop a torn line a crash left, so the next line does not run into it.
      const b = await readOptional(file);
      if (b && b.length > 0 && b[b.length - 1] !== 10) await fs.truncate(file, b.lastIndexOf(10) + 1);
      this.#appendChecked.add(file);
    }
    const fh = await fs.open(file, "a");
    try {
      await fh.appendFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

function parseMetric(line: string): StepMetric | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return `not valid JSON (${messageOf(e)})`;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
  const o = v as Record<string, unknown>;
  const bad = METRIC_FIELDS.filter((k) => !Number.isFinite(o[k]));
  if (bad.length > 0) return `not a step metric: no finite number in ${bad.join(", ")}`;
  return {
    step: o.step as number,
    loss: o.loss as number,
    ms: o.ms as number,
    peakBytes: o.peakBytes as number,
  };
}

/** The record of a job whose `<id>.json` could not be read; reads only, never writes. */
async function corruptRecord(jobs: string, id: string, reason: string): Promise<CorruptRecord> {
  const stat = (file: string) => fs.stat(path.join(jobs, file)).catch(() => undefined);
  const [record, weights] = await Promise.all([stat(`${id}.json`), stat(`${id}${SUFFIX.weights}`)]);
  return {
    id,
    state: "corrupt",
    createdAt: (record?.mtime ?? new Date(0)).toISOString(),
    stepsDone: 0,
    hasWeights: weights?.isFile() ?? false,
    error: { tag: "CorruptRecord", message: `the record file ${id}.json cannot be read: ${reason}` },
  };
}

function parseRecord(file: string, text: string): JobRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${messageOf(e)})`);
  }
  const r = value as Partial<Record<keyof JobRecord, unknown>> | null;
  if (typeof r !== "object" || r === null) throw new Error(`not a JSON object: ${JSON.stringify(value)}`);
  const idOk = typeof r.id === "string" && ID.test(r.id) && `${r.id}.json` === file;
  const problems = [
    idOk ? "" : `id ${JSON.stringify(r.id)} does not match the file name`,
    STATES.has(r.state as string) ? "" : `unknown state ${JSON.stringify(r.state)}`,
    typeof r.createdAt === "string" ? "" : "no createdAt",
    typeof r.stepsDone === "number" ? "" : "no stepsDone",
    typeof r.hasWeights === "boolean" ? "" : "no hasWeights",
    typeof r.request === "object" && r.request !== null ? "" : "no request",
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`not a job record: ${problems.join("; ")}`);
  return r as JobRecord;
}
