/**
 * Counts a JUnit report's leaf tests (Deno's `--junit-path` output): a describe block is not
 * counted on top of the tests inside it. Used by the test command and the GPU host check.
 * @module
 */

/** Leaf-test counts and the names of the failures. */
export interface JunitSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Full names ("suite > test") of the failed leaves. */
  readonly failures: ReadonlyArray<string>;
}

/**
 * Summarises a JUnit XML report.
 * @example
 * ```ts
 * junitSummary('<testcase name="a"/><testcase name="b"><failure/></testcase>');
 * // { passed: 1, failed: 1, skipped: 0, failures: ["b"] }
 * ```
 */
export function junitSummary(xml: string): JunitSummary {
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((
    m,
  ) => ({
    name: unescapeXml(m[1]!),
    body: m[3] ?? "",
  }));
  const parents = new Set<string>();
  for (const c of cases) {
    const parts = c.name.split(" > ");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(" > "));
  }
  const leaves = cases.filter((c) => !parents.has(c.name));
  const failures = leaves.filter((c) => /<failure|<error/.test(c.body)).map((c) => c.name);
  const skipped = leaves.filter((c) => /<skipped/.test(c.body)).length;
  return { passed: leaves.length - failures.length - skipped, failed: failures.length, skipped, failures };
}

function unescapeXml(s: string): string {
  return s.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
