import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, type Plan, predictPlan, staticProfile, storeAllPlan } from "@remat/core";
import { revolve, sqrt } from "@remat/strategies";
import { byClass, parseSvg, pointsOf, textBox, texts, tickScale } from "./_svg_check.ts";
import { timelineSvg } from "./timeline.ts";

// depth 6: input, 6 blocks, head = 8 stages.
const profile = staticProfile(mlp({ depth: 6, width: 64, hidden: 256, classes: 10 }), 32);
const n = profile.stages.length;
const plans: ReadonlyArray<Plan> = [storeAllPlan(n), sqrt(profile), revolve(profile, { slots: 2 })];

test("timelineSvg writes well-formed SVG with width, height and a matching viewBox", () => {
  for (const plan of plans) {
    const svg = parseSvg(timelineSvg(plan, profile));
    assert.equal(svg.attrs.xmlns, "http://www.w3.org/2000/svg");
    assert.ok(Number(svg.attrs.width) >= 800);
    assert.equal(svg.attrs.viewBox, `0 0 ${svg.attrs.width} ${svg.attrs.height}`);
  }
});

test("timelineSvg titles both axes with units and has a legend entry per bar kind", () => {
  const plan = sqrt(profile);
  const all = texts(parseSvg(timelineSvg(plan, profile)));
  for (const t of ["predicted time (ms)", "live activations (MiB)", "stage (0 = input)"]) {
    assert.ok(all.includes(t), t);
  }
  for (const t of ["forward (first)", "forward (recompute)", "backward", "loss"]) {
    assert.ok(all.includes(t), t);
  }
  assert.ok(all.includes(`${plan.strategy}: schedule`), "default title from plan.strategy");
});

test("timelineSvg draws one bar per instruction, recomputes = forwards beyond each stage's first", () => {
  assert.equal(n, 8);
  for (const plan of plans) {
    const svg = parseSvg(timelineSvg(plan, profile));
    const { forwards } = predictPlan(profile, plan);
    const count = (cls: string) => byClass(svg, cls).length;
    assert.equal(count("fwd"), n, plan.strategy);
    assert.equal(count("recompute"), forwards.reduce((s, f) => s + f - 1, 0), plan.strategy);
    assert.equal(count("bwd"), n, plan.strategy);
    assert.equal(count("loss"), 1, plan.strategy);
    const drawn = plan.instructions.filter((i) => i.op !== "free").length;
    assert.equal(count("fwd") + count("recompute") + count("bwd") + count("loss"), drawn, plan.strategy);
    const colours = (cls: string) => new Set(byClass(svg, cls).map((el) => el.attrs.fill));
    const [f, r, b] = [colours("fwd"), colours("recompute"), colours("bwd")];
    assert.deepEqual([f.size, b.size], [1, 1]);
    assert.equal(new Set([...f, ...r, ...b]).size, r.size === 0 ? 2 : 3, "three distinct colours");
  }
  assert.ok(byClass(parseSvg(timelineSvg(sqrt(profile), profile)), "recompute").length > 0);
});

test("timelineSvg places bars on the time axis: the last backward ends at the predicted time", () => {
  for (const plan of plans) {
    const svg = parseSvg(timelineSvg(plan, profile));
    const time = tickScale(byClass(svg, "xtick"), "x");
    const last = byClass(svg, "bwd").at(-1)!;
    const end = time(Number(last.attrs.x) + Number(last.attrs.width));
    assert.ok(Math.abs(end - predictPlan(profile, plan).time) < 0.01 * end, `${plan.strategy}: ${end}`);
  }
});

test("timelineSvg's memory curve peaks at the labelled peak, which is predictPlan's", () => {
  for (const plan of plans) {
    const svg = parseSvg(timelineSvg(plan, profile));
    const mib = tickScale(byClass(svg, "ytick"), "y");
    const [curve] = byClass(svg, "memory");
    const top = Math.min(...pointsOf(curve!).map(([, y]) => y));
    const peakMiB = predictPlan(profile, plan).peakBytes / 2 ** 20;
    assert.ok(Math.abs(mib(top) - peakMiB) < 0.01 * peakMiB, `${plan.strategy}: curve top ${mib(top)} MiB`);
    const [label] = byClass(svg, "peak-label");
    assert.equal(label!.text, `peak ${peakMiB.toFixed(2)} MiB`);
    assert.equal(Number(byClass(svg, "peak")[0]!.attrs.cy), top);
  }
});

test("timelineSvg escapes its title", () => {
  const raw = timelineSvg(sqrt(profile), profile, { title: `a <b> & "c"` });
  assert.ok(raw.includes("a &lt;b&gt; &amp; &quot;c&quot;"));
  assert.ok(texts(parseSvg(raw)).includes(`a <b> & "c"`));
});

test("timelineSvg shrinks a long title and model description to fit the canvas", () => {
  const title =
    `${"sequential(linear,residual,layernorm,residual,gelu-dropout,tanh,residual)"}: sqrt(every=2) `.repeat(
      2,
    );
  const svg = parseSvg(timelineSvg(sqrt(profile), { ...profile, chain: "c".repeat(150) }, { title }));
  const w = Number(svg.attrs.width);
  for (const cls of ["title", "subtitle"]) {
    const [el] = byClass(svg, cls);
    const box = textBox(el!, Number(svg.attrs["font-size"]));
    assert.ok(box.left >= 0 && box.right <= w && box.top >= 0, `${cls}: ${JSON.stringify(box)}`);
  }
  assert.ok(Number(byClass(svg, "title")[0]!.attrs["font-size"]) < 16);
});
