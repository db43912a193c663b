/**
 * The bodies of `POST /v1/plans` and `POST /v1/jobs` as Effect schemas: unknown keys are
 * rejected, missing fields get the main job's defaults, and every wrong field is reported at
 * once with its path, the value seen and what is valid. Cross-field rules (`checkRequest`)
 * run inside the schemas too, once every field is valid.
 * @module
 */
import { Formatter, Schema, SchemaAST, SchemaIssue, SchemaTransformation, type StandardSchema } from "effect";
import type { DataSpec, JobRequest, ModelSpec, OptimizerChoice, PlanRequest } from "./job_types.ts";
import { crossIssues } from "./request_cross_check.ts";

/** One thing wrong with a request body. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. "model.depth"; "" for the body itself. */
  readonly path: string;
  /** What was wrong, with the value seen. */
  readonly message: string;
  /** What would be valid. */
  readonly expected?: string;
}

/** What `parseRequest` returns: the decoded request, or every issue found. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly issues: FieldIssue[];
};

const MAX_INT = 2 ** 53 - 1;
const num = (expected: string, ok: (n: number) => boolean) =>
  Schema.Number.annotate({ expected }).check(Schema.makeFilter(ok, { expected })).pipe(
    Schema.annotateKey({ messageMissingKey: `Expected ${expected}, got nothing (the key is required)` }),
  );
const int = (min: number, max = MAX_INT) =>
  num(
    max === MAX_INT ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`,
    (n) => Number.isInteger(n) && n >= min && n <= max,
  );
const PosInt = int(1);
const NonNegative = num("a finite number ≥ 0", (n) => Number.isFinite(n) && n >= 0);
const Unit = num("a number in [0, 1]", (n) => n >= 0 && n <= 1);
const Lr = num("a finite number > 0", (n) => Number.isFinite(n) && n > 0);
const Seed = int(0, 2 ** 32 - 1);
const Backend = Schema.Literals(["cpu", "webgpu", "auto"]);
const union = <const M extends ReadonlyArray<Schema.Top>>(expected: string, members: M) =>
  Schema.Union(members).annotate({ expected });
/** The same fields with every key but the discriminant optional. */
const partial = <F extends Schema.Struct.Fields>(fields: F) =>
  Schema.Struct(
    Object.fromEntries(
      Object.entries(fields).map(([k, s]) => [k, k === "kind" ? s : Schema.optionalKey(s)]),
    ) as {
      readonly [K in keyof F]: K extends "kind" ? F[K] : Schema.optionalKey<F[K]>;
    },
  );

const mlp = {
  kind: Schema.Literal("mlp"),
  depth: PosInt,
  width: PosInt,
  hidden: PosInt,
  classes: PosInt,
  inputs: PosInt,
};
const gpt = { kind: Schema.Literal("gpt"), layers: PosInt, dModel: PosInt, heads: PosInt, seqLen: PosInt };
const spirals = { kind: Schema.Literal("spirals"), noise: NonNegative };
const adamw = { kind: Schema.Literal("adamw"), lr: Lr, weightDecay: NonNegative };
const sgd = { kind: Schema.Literal("sgd"), lr: Lr, momentum: Unit };
const MODEL = `an object with "kind": "mlp" or "gpt"`;
const DATA = `an object with "kind": "spirals", "teacher" or "text"`;
const OPTIMIZER = `an object with "kind": "adamw" or "sgd"`;
const Strategy = union(
  `an object with "name": "storeAll", "sqrt", "uniform", "revolve", "budget" or "optimal"`,
  [
    Schema.Struct({ name: Schema.Literal("storeAll") }),
    Schema.Struct({ name: Schema.Literal("sqrt") }),
    Schema.Struct({ name: Schema.Literal("uniform"), every: PosInt }),
    Schema.Struct({ name: Schema.Literal("revolve"), slots: PosInt }),
    Schema.Struct({
      name: Schema.Literal("budget"),
      bytes: Schema.optionalKey(PosInt),
      fraction: Schema.optionalKey(Unit),
    }),
    Schema.Struct({ name: Schema.Literal("optimal"), bytes: PosInt }),
  ],
);
const Teacher = Schema.Struct({ kind: Schema.Literal("teacher") });
const Text = Schema.Struct({ kind: Schema.Literal("text") });

const planIn = {
  model: Schema.optionalKey(union(MODEL, [partial(mlp), partial(gpt)])),
  strategy: Schema.optionalKey(Strategy),
  batch: Schema.optionalKey(PosInt),
};
const jobIn = {
  ...planIn,
  data: Schema.optionalKey(union(DATA, [partial(spirals), Teacher, Text])),
  optimizer: Schema.optionalKey(union(OPTIMIZER, [partial(adamw), partial(sgd)])),
  steps: Schema.optionalKey(PosInt),
  seed: Schema.optionalKey(Seed),
  backend: Schema.optionalKey(Backend),
};
const planOut = {
  model: union(MODEL, [Schema.Struct(mlp), Schema.Struct(gpt)]),
  strategy: Strategy,
  batch: PosInt,
};
const jobOut = {
  ...planOut,
  data: union(DATA, [Schema.Struct(spirals), Teacher, Text]),
  optimizer: union(OPTIMIZER, [Schema.Struct(adamw), Schema.Struct(sgd)]),
  steps: PosInt,
  seed: Seed,
  backend: Backend,
};
type PlanIn = Schema.Struct<typeof planIn>["Type"];
type JobIn = Schema.Struct<typeof jobIn>["Type"];

// The main job's defaults; a missing mlp hidden is 4·width.
function fillPlan(r: PlanIn): PlanRequest {
  const m = r.model;
  const model: ModelSpec = m?.kind === "gpt"
    ? { layers: 2, dModel: 64, heads: 4, seqLen: 32, ...m }
    : { kind: "mlp", depth: 8, width: 64, hidden: 4 * (m?.width ?? 64), classes: 3, inputs: 2, ...m };
  const batch = r.batch ?? (model.kind === "gpt" ? 16 : 128);
  return { model, strategy: r.strategy ?? { name: "storeAll" }, batch };
}
function fillJob(r: JobIn): JobRequest {
  const plan = fillPlan(r);
  const d = r.data ?? { kind: plan.model.kind === "gpt" ? "text" : "spirals" };
  const data = (d.kind === "spirals" ? { noise: 0.05, ...d } : d) as DataSpec;
  const o = r.optimizer ?? { kind: "adamw" };
  const optimizer: OptimizerChoice = o.kind === "sgd"
    ? { lr: 0.05, momentum: 0.9, ...o }
    : { lr: 3e-3, weightDecay: 0, ...o };
  return { ...plan, data, optimizer, steps: r.steps ?? 100, seed: r.seed ?? 0, backend: r.backend ?? "cpu" };
}

const crossFilter = <T extends PlanRequest>() =>
  Schema.makeFilter((req: T) =>
    crossIssues(req).map((i) => ({ path: i.path, issue: `Expected ${i.expected}, got ${i.got}` }))
  );
const fill = <I, O>(decode: (i: I) => O) =>
  SchemaTransformation.transform<O, I>({ decode, encode: (o) => o as unknown as I });

/**
 * `POST /v1/plans`: decodes a body to a `PlanRequest`; decode it with `REQUEST_PARSE_OPTIONS`
 * (or use `planRequestStandard`) so unknown keys are rejected.
 * @example
 * ```ts
 * Schema.decodeUnknownSync(PlanRequestSchema)({}, REQUEST_PARSE_OPTIONS).batch; // 128
 * ```
 */
export const PlanRequestSchema: Schema.Codec<PlanRequest, unknown> = Schema.Struct(planIn).pipe(
  Schema.decodeTo(Schema.Struct(planOut).check(crossFilter<PlanRequest>()), fill(fillPlan)),
);
/**
 * `POST /v1/jobs`: decodes a body to a `JobRequest`; decode it with `REQUEST_PARSE_OPTIONS`
 * (or use `jobRequestStandard`) so unknown keys are rejected.
 * @example
 * ```ts
 * Schema.decodeUnknownSync(JobRequestSchema)({ model: { kind: "gpt" } }, REQUEST_PARSE_OPTIONS).data; // { kind: "text" }
 * ```
 */
export const JobRequestSchema: Schema.Codec<JobRequest, unknown> = Schema.Struct(jobIn).pipe(
  Schema.decodeTo(Schema.Struct(jobOut).check(crossFilter<JobRequest>()), fill(fillJob)),
);

/**
 * Parse options of the request schemas: report every issue, reject unknown keys, show the values seen.
 * @example
 * ```ts
 * Schema.decodeUnknownExit(JobRequestSchema)({ stpes: 5 }, REQUEST_PARSE_OPTIONS); // a failure naming "stpes"
 * ```
 */
export const REQUEST_PARSE_OPTIONS: SchemaAST.ParseOptions = {
  errors: "all",
  onExcessProperty: "error",
  reportInput: true,
};

// Names the valid keys of an unknown one, and a field's own `expected` when its type is wrong.
const leafHook: SchemaIssue.LeafHook = (issue) => {
  const value = "input" in issue ? Formatter.format(issue.input) : undefined;
  const got = value === undefined ? "" : `, got ${value}`;
  if (issue._tag === "UnexpectedKey" && SchemaAST.isObjects(issue.ast)) {
    const keys = issue.ast.propertySignatures.map((p) => String(p.name)).join(", ");
    return `Expected one of the keys ${keys}, got an unknown key${got && ` with value ${value}`}`;
  }
  const expected = issue._tag === "InvalidType" ? issue.ast.annotations?.expected : undefined;
  return typeof expected === "string" ? `Expected ${expected}${got}` : SchemaIssue.defaultLeafHook(issue);
};
/** A request schema that is also a Standard Schema V1 (what `@hono/standard-validator` takes). */
export type StandardRequestSchema<T> = StandardSchema.StandardSchemaV1<unknown, T> & Schema.Codec<T, unknown>;
const standards = new WeakMap<object, StandardRequestSchema<unknown>>();
function standardOf<T>(schema: Schema.Codec<T, unknown>): StandardRequestSchema<T> {
  let s = standards.get(schema);
  if (!s) {
    s = Schema.toStandardSchemaV1(schema, { leafHook, parseOptions: REQUEST_PARSE_OPTIONS });
    standards.set(schema, s).set(s, s);
  }
  return s as StandardRequestSchema<T>;
}

/**
 * `PlanRequestSchema` as a Standard Schema V1 that reports every issue and rejects unknown keys.
 * @example
 * ```ts
 * app.post("/v1/plans", sValidator("json", planRequestStandard, hook), (c) => c.json(c.req.valid("json")));
 * ```
 */
export const planRequestStandard: StandardRequestSchema<PlanRequest> = standardOf(PlanRequestSchema);
/**
 * `JobRequestSchema` as a Standard Schema V1 that reports every issue and rejects unknown keys.
 * @example
 * ```ts
 * app.post("/v1/jobs", sValidator("json", jobRequestStandard, hook), (c) => c.json(c.req.valid("json")));
 * ```
 */
export const jobRequestStandard: StandardRequestSchema<JobRequest> = standardOf(JobRequestSchema);

/** At most `max` characters of `s`, an ellipsis marking a cut: an issue never echoes a whole large input. */
const clip = (s: string, max = 120) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * Converts Standard Schema issues (as `sValidator`'s hook receives them) to `FieldIssue`s. The
 * value seen and the path are cut to 120 characters, so an issue stays small whatever the input.
 * @param issues the issues of a failed validation
 * @example
 * ```ts
 * const r = planRequestStandard["~standard"].validate({ batch: 0 }) as { issues: [] };
 * issuesFromStandard(r.issues); // [{ path: "batch", message: "batch: got 0; expected an integer ≥ 1", expected: "an integer ≥ 1" }]
 * ```
 */
export function issuesFromStandard(
  issues: ReadonlyArray<StandardSchema.StandardSchemaV1.Issue>,
): FieldIssue[] {
  return issues.map((issue) => {
    const path = clip((issue.path ?? []).map((s) => String(typeof s === "object" ? s.key : s)).join("."));
    const m = /^Expected ([\s\S]+?)(?:, got ([\s\S]*))?$/.exec(issue.message);
    return m
      ? fieldIssue({ path, expected: m[1]!, got: clip(m[2] ?? "nothing") })
      : { path, message: `${path || "body"}: ${clip(issue.message, 400)}` };
  });
}

function fieldIssue(i: { path: string; expected: string; got: string }): FieldIssue {
  return {
    path: i.path,
    message: `${i.path || "body"}: got ${i.got}; expected ${i.expected}`,
    expected: i.expected,
  };
}

/**
 * Decodes a request body, reporting every wrong field at once.
 * @param schema `PlanRequestSchema`, `JobRequestSchema` or their standard forms
 * @param input the parsed JSON body
 * @example
 * ```ts
 * const r = parseRequest(JobRequestSchema, { model: { kind: "mlp", depth: 4 } });
 * if (r.ok) console.log(r.value.steps); // 100
 * ```
 */
export function parseRequest<T>(schema: Schema.Codec<T, unknown>, input: unknown): ParseResult<T> {
  const r = standardOf(schema)["~standard"].validate(input);
  if (r instanceof Promise) throw new TypeError("parseRequest: the schema decodes asynchronously");
  return r.issues ? { ok: false, issues: issuesFromStandard(r.issues) } : { ok: true, value: r.value };
}

/**
 * The cross-field issues of a decoded request (the schemas already apply them).
 * @param req a plan or job request
 * @example
 * ```ts
 * checkRequest({ model: { kind: "gpt", layers: 2, dModel: 64, heads: 5, seqLen: 32 }, strategy: { name: "sqrt" }, batch: 8 });
 * // [{ path: "model.heads", message: "model.heads: got 5; expected a divisor of dModel = 64", ... }]
 * ```
 */
export function checkRequest(req: PlanRequest | JobRequest): FieldIssue[] {
  return crossIssues(req).map((i) =>
    fieldIssue({ path: i.path.join("."), expected: i.expected, got: i.got })
  );
}
