/**
 * A durable store of job records, step metrics and trained weights in a data directory:
 * `<dir>/jobs/<id>.json`, `<id>.metrics.ndjson` and `<id>.safetensors`. Only `node:` modules,
 * so it runs under Deno, Bun and Node alike.
 * @module
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { InvalidArgument } from "@remat/core";
import { FINAL_STATES, type JobRecord, type StepMetric } from "./job_types.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const STATES: ReadonlySet<string> = new Set(["queued", "running", ...FINAL_STATES]);
const invalid = (name: string, value: unknown, expected: string) =>
  new InvalidArgument({ name, value, expected });

/** Writes waiting on one file: `next` has not started yet, so later writes merge into it. */
interface Slot {
  tail: Promise<void>;
  next?: { data: string | Uint8Array; readonly done: Promise<void> };
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

  private constructor(
    readonly dir: string,
    readonly skipped: ReadonlyArray<{ file: string; reason: string }>,
  ) {}

  /**
   * Creates the directory if needed and loads every record. Records found `queued` or `running` are
   * rewritten (atomically) as `interrupted`. Unreadable record files are listed in `skipped`, never thrown.
   * @param dir The data directory; records live under `<dir>/jobs`.
   * @example
   * const store = await JobStore.open("./data");
   * for (const s of store.skipped) console.warn(`skipped ${s.file}: ${s.reason}`);
   */
  static async open(dir: string): Promise<JobStore> {
    const jobs = path.join(dir, "jobs");
    await fs.mkdir(jobs, { recursive: true });
    const skipped: { file: string; reason: string }[] = [];
    const loaded: JobRecord[] = [];
    for (const file of (await fs.readdir(jobs)).sort()) {
      // A temp file is a write that never reached its rename; the target still holds the previous version.
      if (file.endsWith(".tmp")) await fs.rm(path.join(jobs, file), { force: true });
      if (!file.endsWith(".json")) continue;
      try {
        loaded.push(parseRecord(file, await fs.readFile(path.join(jobs, file), "utf8")));
      } catch (e) {
        skipped.push({ file, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    const store = new JobStore(dir, skipped);
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
   * Stores a record: `get` sees it at once; the promise settles once it (or a later save) is on disk.
   * @param record The record; `record.id` must match `/^[A-Za-z0-9_-]{1,64}$/`.
   * @example
   * await store.save({ ...store.get(id)!, state: "succeeded", finishedAt: new Date().toISOString() });
   */
  async save(record: JobRecord): Promise<void> {
    const file = this.#file(record.id, ".json");
    this.#records.set(record.id, record);
    await this.#enqueue(file, `${JSON.stringify(record, null, 2)}\n`, false);
  }

  /**
   * Appends step metrics to a job's metrics file, one JSON line each.
   * @param id The job id.
   * @param metrics The steps to append, in order.
   * @example
   * await store.appendMetrics(id, [{ step: 0, loss: 2.3, ms: 4, peakBytes: 1024 }]);
   */
  async appendMetrics(id: string, metrics: ReadonlyArray<StepMetric>): Promise<void> {
    const file = this.#file(id, ".metrics.ndjson");
    const text = metrics.map((m) => `${JSON.stringify(m)}\n`).join("");
    if (text !== "") await this.#enqueue(file, text, true);
  }

  /**
   * Every metric of a job appended so far; a torn last line (a crash mid-append) is ignored.
   * @param id The job id.
   * @example
   * const losses = (await store.readMetrics(id)).map((m) => m.loss);
   */
  async readMetrics(id: string): Promise<StepMetric[]> {
    const file = this.#file(id, ".metrics.ndjson");
    await this.#slots.get(file)?.tail;
    const bytes = await readOptional(file);
    if (bytes === undefined) return [];
    const lines = new TextDecoder().decode(bytes).split("\n");
    lines.pop(); // after the last newline: empty, or a torn line
    return lines.map((line, i) => {
      try {
        return JSON.parse(line) as StepMetric;
      } catch {
        throw invalid(`line ${i + 1} of ${path.basename(file)}`, line, "a JSON step metric");
      }
    });
  }

  /**
   * Stores a job's trained weights (a safetensors file), atomically.
   * @param id The job id.
   * @param bytes The file's bytes, e.g. from `encodeSafetensors`.
   * @example
   * await store.saveWeights(id, encodeSafetensors(chainTensors(chain, host)));
   */
  async saveWeights(id: string, bytes: Uint8Array): Promise<void> {
    await this.#enqueue(this.#file(id, ".safetensors"), bytes, false);
  }

  /**
   * A job's stored weights, or undefined when none were saved.
   * @param id The job id.
   * @example
   * const bytes = await store.readWeights(id);
   */
  async readWeights(id: string): Promise<Uint8Array | undefined> {
    const file = this.#file(id, ".safetensors");
    await this.#slots.get(file)?.tail;
    return await readOptional(file);
  }

  /**
   * Waits for every write issued so far (failed writes included; their callers saw the error).
   * @example
   * await store.flush();
   */
  async flush(): Promise<void> {
    await Promise.all([...this.#slots.values()].map((s) => s.tail));
  }

  #file(id: string, suffix: string): string {
    if (typeof id !== "string" || !ID.test(id)) throw invalid("job id", id, "1-64 of A-Z a-z 0-9 _ -");
    return path.join(this.dir, "jobs", id + suffix);
  }

  #enqueue(file: string, data: string | Uint8Array, append: boolean): Promise<void> {
    const slot = this.#slots.get(file);
    if (slot?.next) {
      slot.next.data = append ? `${slot.next.data}${data}` : data;
      return slot.next.done;
    }
    const { promise: done, resolve, reject } = Promise.withResolvers<void>();
    const next = { data, done };
    const s: Slot = slot ?? { tail: Promise.resolve() };
    s.next = next;
    const tail = s.tail.then(async () => {
      s.next = undefined;
      try {
        await (append ? this.#append(file, next.data as string) : writeAtomic(file, next.data));
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

/** Temp file in the same folder, write, fsync, rename over the target: readers see old or new, not half. */
async function writeAtomic(target: string, data: string | Uint8Array): Promise<void> {
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

async function readOptional(file: string): Promise<Uint8Array | undefined> {
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a plain Uint8Array, not a Buffer
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return undefined;
    throw e;
  }
}

function parseRecord(file: string, text: string): JobRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${e instanceof Error ? e.message : e})`);
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
