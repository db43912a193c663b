import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Counter,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  Gauge,
  Histogram,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics.ts";

test("label values and HELP text are escaped as the exposition format says", () => {
  assert.equal(escapeLabelValue('a "b" \\c\nd'), 'a \\"b\\" \\\\c\\nd');
  assert.equal(escapeHelp('say "hi"\\ \nnow'), 'say "hi"\\\\ \\nnow', "quotes stay as they are in HELP");
  const c = new Counter("x_total", "Things.\nSecond line", ["path"]);
  c.inc({ path: '/a"b\\c\nd' });
  assert.equal(
    c.render(),
    '# HELP x_total Things.\\nSecond line\n# TYPE x_total counter\nx_total{path="/a\\"b\\\\c\\nd"} 1\n',
  );
});

test("values: +Inf, -Inf and NaN spelled out, numbers as Go reads them", () => {
  assert.deepEqual([Infinity, -Infinity, NaN, 0, 1.5, 1e-7, 12345678901].map(formatValue), [
    "+Inf",
    "-Inf",
    "NaN",
    "0",
    "1.5",
    "1e-7",
    "12345678901",
  ]);
});

test("a counter sums per label set, starts an unlabelled series at 0, and never goes down", () => {
  const plain = new Counter("plain_total", "Plain.");
  assert.match(plain.render(), /^plain_total 0$/m);
  const c = new Counter("req_total", "Requests.", ["method", "status"]);
  c.inc({ method: "GET", status: "200" });
  c.inc({ status: "200", method: "GET" }, 2);
  c.inc({ method: "POST", status: "400" });
  assert.equal(c.value({ method: "GET", status: "200" }), 3);
  assert.equal(c.value({ method: "PUT", status: "200" }), 0);
  assert.equal(
    c.render(),
    "# HELP req_total Requests.\n# TYPE req_total counter\n" +
      'req_total{method="GET",status="200"} 3\nreq_total{method="POST",status="400"} 1\n',
  );
  assert.throws(() => c.inc({ method: "GET", status: "200" }, -1), /only grows/);
  assert.throws(() => c.inc({ method: "GET" }), /expected labels \{method, status\}/);
  assert.throws(() => c.inc({ method: "GET", status: "200", route: "/" }), /expected labels/);
});

test("names are checked: metric names, label names, reserved and repeated labels", () => {
  assert.throws(() => new Counter("bad-name", "x"), /metric name/);
  assert.throws(() => new Gauge("ok", "x", ["bad-label"]), /not allowed/);
  assert.throws(() => new Gauge("ok", "x", ["__reserved"]), /not allowed/);
  assert.throws(() => new Gauge("ok", "x", ["a", "a"]), /repeat/);
  assert.throws(() => new Histogram("h", "x", [1], ["le"]), /not allowed/);
  assert.throws(() => new Histogram("h", "x", [2, 1]), /strictly increasing/);
  assert.throws(() => new Histogram("h", "x", [1, Infinity]), /finite/);
});

test("a gauge is set, read and reset", () => {
  const g = new Gauge("jobs", "Jobs by state.", ["state"]);
  g.set(2, { state: "queued" });
  g.set(5, { state: "running" });
  g.set(1, { state: "queued" });
  assert.equal(g.value({ state: "queued" }), 1);
  assert.equal(
    g.render(),
    '# HELP jobs Jobs by state.\n# TYPE jobs gauge\njobs{state="queued"} 1\njobs{state="running"} 5\n',
  );
  g.reset();
  assert.equal(g.render(), "# HELP jobs Jobs by state.\n# TYPE jobs gauge\n");
  const u = new Gauge("up", "Up.");
  u.set(1);
  u.reset();
  assert.match(u.render(), /^up 0$/m);
});

test("a histogram renders cumulative buckets, +Inf, sum and count", () => {
  const h = new Histogram("step_seconds", "Step time.", [0.1, 1, 10]);
  for (const v of [0.05, 0.1, 0.5, 20]) h.observe(v);
  assert.deepEqual(h.value(), { count: 4, sum: 20.65 });
  assert.equal(
    h.render(),
    [
      "# HELP step_seconds Step time.",
      "# TYPE step_seconds histogram",
      'step_seconds_bucket{le="0.1"} 2',
      'step_seconds_bucket{le="1"} 3',
      'step_seconds_bucket{le="10"} 3',
      'step_seconds_bucket{le="+Inf"} 4',
      "step_seconds_sum 20.65",
      "step_seconds_count 4",
      "",
    ].join("\n"),
  );
  const labelled = new Histogram("t", "T.", [1], ["kind"]);
  labelled.observe(0.5, { kind: "a" });
  assert.match(labelled.render(), /^t_bucket\{kind="a",le="1"\} 1$/m);
  assert.match(labelled.render(), /^t_count\{kind="a"\} 1$/m);
});

test("a registry renders its metrics in order and refuses a name twice", () => {
  const r = new MetricsRegistry();
  r.register(new Gauge("a", "A.")).set(1);
  r.register(new Counter("b_total", "B.")).inc();
  assert.equal(
    r.render(),
    "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b_total B.\n# TYPE b_total counter\nb_total 1\n",
  );
  assert.throws(() => r.register(new Gauge("a", "again")), /already registered/);
  assert.match(PROMETHEUS_CONTENT_TYPE, /^text\/plain; version=0\.0\.4/);
});
