import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLogLine, logEvent, type LogFields, logSink } from "./json_log.ts";

test("a log line is one JSON object: ts, level and msg first, then the fields", () => {
  const line = formatLogLine({ msg: "job", id: "job_1", state: "running", n: 3 }, new Date(0));
  assert.equal(
    line,
    '{"ts":"1970-01-01T00:00:00.000Z","level":"info","msg":"job","id":"job_1","state":"running","n":3}',
  );
  const warn = JSON.parse(
    formatLogLine({ level: "warn", msg: "x", error: new RangeError("too big"), big: 2n }),
  );
  assert.equal(warn.level, "warn");
  assert.deepEqual(warn.error, { name: "RangeError", message: "too big" });
  assert.equal(warn.big, "2");
  assert.ok(!Number.isNaN(Date.parse(warn.ts)));
  assert.ok(!formatLogLine({ msg: "a\nb" }).includes("\n"), "a line feed in a field stays escaped");
});

test("logEvent writes exactly one parseable line to stdout", () => {
  const original = console.log;
  const out: unknown[][] = [];
  console.log = (...args: unknown[]) => void out.push(args);
  try {
    logEvent({ msg: "job", id: "job_9", state: "succeeded" });
  } finally {
    console.log = original;
  }
  assert.equal(out.length, 1);
  assert.equal(out[0]!.length, 1);
  const parsed = JSON.parse(out[0]![0] as string);
  assert.deepEqual([parsed.level, parsed.msg, parsed.id, parsed.state], [
    "info",
    "job",
    "job_9",
    "succeeded",
  ]);
});

test("logSink: false drops lines, a function receives them, otherwise stdout", () => {
  const lines: LogFields[] = [];
  const own = (f: LogFields) => void lines.push(f);
  assert.equal(logSink(own), own);
  assert.equal(logSink(undefined), logEvent);
  assert.equal(logSink(true), logEvent);
  const original = console.log;
  let written = 0;
  console.log = () => void written++;
  try {
    logSink(false)({ msg: "dropped" });
  } finally {
    console.log = original;
  }
  assert.equal(written, 0);
});
