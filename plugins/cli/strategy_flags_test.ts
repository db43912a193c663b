import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./args.ts";
import { strategyChoice } from "./strategy_flags.ts";

const fails = (values: Record<string, string>, message: RegExp) =>
  assert.throws(
    () => strategyChoice(values),
    (e: unknown) => e instanceof UsageError && message.test(e.message),
  );

test("strategyChoice reads each strategy with its own parameter", () => {
  assert.deepEqual(strategyChoice({}), {
    name: "storeAll",
    every: undefined,
    slots: undefined,
    bytes: undefined,
    fraction: undefined,
  });
  assert.equal(strategyChoice({ strategy: "optimal", bytes: "4M" }).bytes, 4 * 2 ** 20);
  assert.equal(strategyChoice({ strategy: "uniform", every: "3" }).every, 3);
  assert.equal(strategyChoice({ strategy: "revolve", slots: "2" }).slots, 2);
  assert.equal(strategyChoice({ strategy: "budget", fraction: "0.25" }).fraction, 0.25);
  assert.equal(strategyChoice({ strategy: "budget", bytes: "1e6" }).bytes, 1e6);
});

test("strategyChoice refuses an unknown strategy, listing the known ones", () => {
  fails(
    { strategy: "sqr" },
    /^--strategy: got "sqr"; expected one of storeAll, sqrt, uniform, revolve, budget, optimal$/,
  );
  fails({ strategy: "toString" }, /--strategy: got "toString"/);
});

test("strategyChoice refuses a missing parameter, naming it and what it needs", () => {
  fails(
    { strategy: "optimal" },
    /^--bytes: missing; --strategy optimal needs an activation budget, a positive size/,
  );
  fails({ strategy: "uniform" }, /^--every: missing; --strategy uniform needs a segment length/);
  fails({ strategy: "revolve" }, /^--slots: missing; --strategy revolve needs/);
  fails({ strategy: "budget" }, /^--bytes or --fraction: missing/);
});

test("strategyChoice refuses another strategy's parameter, saying which strategies take it", () => {
  fails(
    { strategy: "sqrt", bytes: "4M" },
    /^--bytes does not apply: --strategy sqrt takes no parameter; --bytes is for budget, optimal$/,
  );
  fails({ bytes: "4M" }, /^--bytes does not apply: --strategy storeAll \(the default\) takes no parameter/);
  fails(
    { strategy: "optimal", bytes: "4M", every: "2" },
    /^--every does not apply: --strategy optimal takes --bytes; --every is for uniform$/,
  );
  fails(
    { strategy: "uniform", every: "2", slots: "1" },
    /^--slots does not apply: .*--slots is for revolve$/,
  );
  fails(
    { strategy: "revolve", slots: "2", fraction: "0.5" },
    /^--fraction does not apply: .*--fraction is for budget$/,
  );
  fails({ strategy: "budget", bytes: "4M", fraction: "0.5" }, /not both/);
});

test("strategyChoice checks a value before whether it applies", () => {
  fails({ bytes: "-1" }, /^--bytes: got "-1"; expected a positive size/);
  fails({ strategy: "optimal", bytes: "0" }, /^--bytes: got "0"; expected a positive size/);
});

test("--granularity belongs to optimal: op or stage; anything else is a usage mistake", () => {
  assert.equal(strategyChoice({ strategy: "optimal", bytes: "4M" }).granularity, undefined);
  assert.equal(
    strategyChoice({ strategy: "optimal", bytes: "4M", granularity: "stage" }).granularity,
    "stage",
  );
  assert.throws(
    () => strategyChoice({ strategy: "optimal", bytes: "4M", granularity: "ops" }),
    (e) => e instanceof UsageError && e.message === '--granularity: got "ops"; expected op or stage',
  );
  assert.throws(
    () => strategyChoice({ strategy: "sqrt", granularity: "op" }),
    (e) => e instanceof UsageError && /--granularity does not apply: --strategy sqrt/.test(e.message),
  );
});
