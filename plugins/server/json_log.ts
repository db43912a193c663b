/**
 * Structured logs: one JSON object per line on stdout, `{"ts":"<ISO 8601>","level":"info",
 * "msg":"...", ...fields}`, for requests (see `access_log.ts`), job transitions and the
 * server's own events. A {@link LogSink} is where lines go; {@link logSink} turns the service's
 * `log` option (true, false or a sink of one's own) into one.
 * @module
 */

/** How much a line matters. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The fields of one line: a message, a level (default `info`) and anything JSON can hold. */
export interface LogFields {
  /** What happened, short and fixed (`request`, `job`, `listening`): the rest goes in fields. */
  readonly msg: string;
  /** Default `info`. */
  readonly level?: LogLevel;
  /** Any other field. */
  readonly [field: string]: unknown;
}

/** Where log lines go. */
export type LogSink = (fields: LogFields) => void;

/** JSON.stringify's replacer: errors as their name and message, bigints as strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/**
 * One log line (no line feed): `ts` and `level` first, then `msg` and the other fields.
 * @param fields what to log
 * @param now the time to stamp it with
 * @example
 * ```ts
 * formatLogLine({ msg: "job", id: "job_1", state: "running" }, new Date(0));
 * // '{"ts":"1970-01-01T00:00:00.000Z","level":"info","msg":"job","id":"job_1","state":"running"}'
 * ```
 */
export function formatLogLine(fields: LogFields, now: Date = new Date()): string {
  const { msg, level, ...rest } = fields;
  return JSON.stringify({ ts: now.toISOString(), level: level ?? "info", msg, ...rest }, replacer);
}

/**
 * Writes one JSON log line to stdout. The job runner calls it on every job state change; the
 * service's request log goes through the same format.
 * @example
 * ```ts
 * logEvent({ msg: "job", id: "job_1", state: "succeeded", stepsDone: 100 });
 * logEvent({ level: "warn", msg: "skipped record", file: "x.json" });
 * ```
 */
export function logEvent(fields: LogFields): void {
  console.log(formatLogLine(fields));
}

/** A sink that drops everything. */
const silent: LogSink = () => {};

/**
 * The sink a `log` option stands for: `false` drops every line, a function receives every
 * line's fields, anything else (`true`, undefined) is {@link logEvent}, stdout.
 * @example
 * ```ts
 * const lines: LogFields[] = [];
 * const log = logSink((f) => lines.push(f));
 * log({ msg: "hello" });
 * logSink(false)({ msg: "dropped" });
 * ```
 */
export function logSink(option: boolean | LogSink | undefined): LogSink {
  if (option === false) return silent;
  return typeof option === "function" ? option : logEvent;
}
