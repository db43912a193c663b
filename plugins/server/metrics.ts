/**
 * Prometheus metrics without a dependency: counters, gauges and histograms with fixed buckets,
 * kept in a {@link MetricsRegistry} and rendered in the text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Every metric declares its
 * label names up front and every sample must give exactly those, so the set of series is only
 * as large as the values the caller lets through.
 *
 * Escaping follows the format: in a label value `\` becomes `\\`, `"` becomes `\"` and a line
 * feed `\n`; in HELP text `\` and line feeds are escaped. Values are written as Go's
 * `ParseFloat` reads them, with `+Inf`, `-Inf` and `NaN` spelled out.
 * @module
 */

/** Label values of one sample, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** What the registry needs of a metric. */
export interface Metric {
  /** The metric's name, e.g. `remat_queue_length`. */
  readonly name: string;
  /** The exposition lines of the metric, HELP and TYPE first, each ending in a line feed. */
  render(): string;
}

/**
 * The `Content-Type` of the text exposition format, version 0.0.4.
 * @example
 * ```ts
 * new Response(registry.render(), { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A label value as the exposition format writes it between double quotes.
 * @example
 * ```ts
 * escapeLabelValue('a "b"\\c\n'); // 'a \\"b\\"\\\\c\\n'
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * HELP text as the exposition format writes it (backslashes and line feeds escaped).
 * @example
 * ```ts
 * escapeHelp("one\ntwo"); // "one\\ntwo"
 * ```
 */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * A sample value as the exposition format writes it.
 * @example
 * ```ts
 * formatValue(Infinity); // "+Inf"
 * formatValue(0.25); // "0.25"
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** `{a="x",b="y"}` for the given names and values, or "" when there are none. */
function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`).join(",")}}`;
}

function checkNames(name: string, labelNames: readonly string[], reserved: readonly string[] = []): void {
  if (!METRIC_NAME.test(name)) throw new RangeError(`metric name "${name}" does not match ${METRIC_NAME}`);
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l) || l.startsWith("__") || reserved.includes(l)) {
      throw new RangeError(`metric ${name}: label name "${l}" is not allowed`);
    }
  }
  if (new Set(labelNames).size !== labelNames.length) {
    throw new RangeError(`metric ${name}: label names repeat: ${labelNames.join(", ")}`);
  }
}

/** The values of `labels` in `names` order; throws unless it has exactly those names. */
function labelValues(metric: string, names: readonly string[], labels: Labels): string[] {
  const keys = Object.keys(labels);
  if (keys.length !== names.length || !names.every((n) => typeof labels[n] === "string")) {
    throw new RangeError(
      `metric ${metric}: expected labels {${names.join(", ")}}, got {${keys.join(", ")}}`,
    );
  }
  return names.map((n) => labels[n]!);
}

/** Series of one metric, keyed by their label values. */
class Series<T> {
  readonly #byKey = new Map<string, { values: string[]; state: T }>();
  constructor(readonly metric: string, readonly names: readonly string[], readonly fresh: () => T) {}

  get(labels: Labels): T {
    const values = labelValues(this.metric, this.names, labels);
    const key = JSON.stringify(values);
    let entry = this.#byKey.get(key);
    if (!entry) this.#byKey.set(key, entry = { values, state: this.fresh() });
    return entry.state;
  }

  peek(labels: Labels): T | undefined {
    return this.#byKey.get(JSON.stringify(labelValues(this.metric, this.names, labels)))?.state;
  }

  entries(): Array<{ values: string[]; state: T }> {
    return [...this.#byKey.values()];
  }

  clear(): void {
    this.#byKey.clear();
  }
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/**
 * A monotonically increasing count, e.g. requests served.
 * @example
 * ```ts
 * const served = new Counter("app_requests_total", "Requests served.", ["status"]);
 * served.inc({ status: "200" });
 * served.render(); // '# HELP ...\n# TYPE app_requests_total counter\napp_requests_total{status="200"} 1\n'
 * ```
 */
export class Counter implements Metric {
  readonly #series: Series<{ value: number }>;

  /**
   * A counter at 0 (an unlabelled one renders its 0 sample from the start).
   * @param name the metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)
   * @param help what it counts
   * @param labelNames the labels every sample gives
   */
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[] = []) {
    checkNames(name, labelNames);
    this.#series = new Series(name, labelNames, () => ({ value: 0 }));
    if (labelNames.length === 0) this.#series.get({});
  }

  /** Adds `by` (default 1, never negative) to the series of `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter ${this.name}: cannot add ${by}; a counter only grows`);
    this.#series.get(labels).value += by;
  }

  /** The current count of the series of `labels` (0 if it has none yet). */
  value(labels: Labels = {}): number {
    return this.#series.peek(labels)?.value ?? 0;
  }

  /** The exposition lines. */
  render(): string {
    let out = header(this.name, this.help, "counter");
    for (const { values, state } of this.#series.entries()) {
      out += `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.value)}\n`;
    }
    return out;
  }
}

/**
 * A value that goes up and down, e.g. the queue length; usually set just before rendering.
 * @example
 * ```ts
 * const queued = new Gauge("app_queue_length", "Jobs waiting.");
 * queued.set(3);
 * queued.render(); // '# HELP ...\n# TYPE app_queue_length gauge\napp_queue_length 3\n'
 * ```
 */
export class Gauge implements Metric {
  readonly #series: Series<{ value: number }>;

  /**
   * A gauge at 0 (an unlabelled one renders its 0 sample from the start).
   * @param name the metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)
   * @param help what it measures
   * @param labelNames the labels every sample gives
   */
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[] = []) {
    checkNames(name, labelNames);
    this.#series = new Series(name, labelNames, () => ({ value: 0 }));
    if (labelNames.length === 0) this.#series.get({});
  }

  /** Sets the series of `labels` to `value`. */
  set(value: number, labels: Labels = {}): void {
    this.#series.get(labels).value = value;
  }

  /** The current value of the series of `labels` (0 if it has none yet). */
  value(labels: Labels = {}): number {
    return this.#series.peek(labels)?.value ?? 0;
  }

  /** Forgets every labelled series (an unlabelled gauge goes back to 0). */
  reset(): void {
    this.#series.clear();
    if (this.labelNames.length === 0) this.#series.get({});
  }

  /** The exposition lines. */
  render(): string {
    let out = header(this.name, this.help, "gauge");
    for (const { values, state } of this.#series.entries()) {
      out += `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.value)}\n`;
    }
    return out;
  }
}

/** One histogram series: a count per bucket (not cumulative), the sum and the count. */
interface HistogramState {
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * Observations counted into fixed buckets, e.g. step durations. Rendered as cumulative
 * `_bucket{le="..."}` samples ending with `le="+Inf"`, then `_sum` and `_count`.
 * @example
 * ```ts
 * const steps = new Histogram("app_step_seconds", "Step wall time.", [0.01, 0.1, 1]);
 * steps.observe(0.05);
 * steps.render(); // ... app_step_seconds_bucket{le="0.01"} 0, {le="0.1"} 1, {le="1"} 1, {le="+Inf"} 1 ...
 * ```
 */
export class Histogram implements Metric {
  readonly #series: Series<HistogramState>;
  /** The buckets' upper bounds, increasing, `+Inf` not included. */
  readonly buckets: readonly number[];

  /**
   * A histogram with no observations yet.
   * @param name the metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)
   * @param help what it observes
   * @param buckets the upper bounds, strictly increasing and finite (`+Inf` is added)
   * @param labelNames the labels every sample gives (not `le`)
   */
  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {
    checkNames(name, labelNames, ["le"]);
    if (
      buckets.length === 0 || !buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!))
    ) {
      throw new RangeError(`histogram ${name}: buckets must be finite and strictly increasing`);
    }
    this.buckets = [...buckets];
    this.#series = new Series(name, labelNames, () => ({ buckets: buckets.map(() => 0), sum: 0, count: 0 }));
    if (labelNames.length === 0) this.#series.get({});
  }

  /** Counts `value` in the series of `labels`. */
  observe(value: number, labels: Labels = {}): void {
    const s = this.#series.get(labels);
    const at = this.buckets.findIndex((b) => value <= b);
    if (at >= 0) s.buckets[at]!++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of the series of `labels`. */
  value(labels: Labels = {}): { readonly count: number; readonly sum: number } {
    const s = this.#series.peek(labels);
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  /** The exposition lines. */
  render(): string {
    let out = header(this.name, this.help, "histogram");
    const names = [...this.labelNames, "le"];
    for (const { values, state } of this.#series.entries()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += state.buckets[i]!;
        out += `${this.name}_bucket${labelText(names, [...values, formatValue(b)])} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(names, [...values, "+Inf"])} ${state.count}\n`;
      const own = labelText(this.labelNames, values);
      out += `${this.name}_sum${own} ${formatValue(state.sum)}\n${this.name}_count${own} ${state.count}\n`;
    }
    return out;
  }
}

/**
 * The metrics one endpoint exposes, rendered in registration order.
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const up = registry.register(new Gauge("app_up", "1 while the app runs."));
 * up.set(1);
 * const text = registry.render(); // serve with Content-Type PROMETHEUS_CONTENT_TYPE
 * ```
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  /** Adds a metric (its name must be new) and returns it. */
  register<T extends Metric>(metric: T): T {
    if (this.#metrics.has(metric.name)) throw new RangeError(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Every metric's exposition lines. */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join("");
  }
}
