/**
 * WGSL kernel sources and the conventions every kernel of this backend follows:
 * storage buffers are bindings 0..k−1 in the order the caller passes them, the uniform
 * block (if any) is binding k, and its fields are the u32 values, then the f32 values,
 * each 4 bytes, in the order passed. Grids may be two-dimensional when one dimension
 * would exceed the 65,535-workgroup limit, so a flat index is rebuilt with `flatIndex`.
 * @module
 */

/** A compute shader with a stable cache key. Entry point `main`. */
export interface KernelSource {
  /** Names the shader in errors and labels. */
  readonly key: string;
  /** The WGSL source; its entry point is `main`. */
  readonly code: string;
}

/** A named WGSL compute shader; pipelines are cached by its code, the name labels it in errors. */
export function wgsl(key: string, code: string): KernelSource {
  return { key, code };
}

/** Threads per workgroup of the one-dimensional kernels. */
export const WG = 256;

/** Most workgroups along one dispatch dimension (the WebGPU default limit). */
export const MAX_GROUPS = 65535;

/**
 * WGSL: the flat invocation index of a 1-D kernel dispatched over a 2-D grid of
 * `WG`-wide workgroups (see `grid1d`). Declares `fn flat(gid, ngroups) -> u32`.
 */
export const FLAT_INDEX = /* wgsl */ `
fn flat(gid: vec3<u32>, ngroups: vec3<u32>) -> u32 {
  return gid.y * ngroups.x * ${WG}u + gid.x;
}`;

/** The workgroup grid covering `n` invocations of a `WG`-wide 1-D kernel. */
export function grid1d(n: number): [number, number] {
  const groups = Math.ceil(n / WG);
  if (groups <= MAX_GROUPS) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y];
}

/** A grid of `items` workgroups (one per row, say), folded into two dimensions when needed. */
export function gridOf(items: number): [number, number] {
  if (items <= MAX_GROUPS) return [items, 1];
  const y = Math.ceil(items / MAX_GROUPS);
  return [Math.ceil(items / y), y];
}

/** WGSL: the flat workgroup index for a grid from `gridOf`. Declares `fn groupIndex(wid, ngroups) -> u32`. */
export const GROUP_INDEX = /* wgsl */ `
fn groupIndex(wid: vec3<u32>, ngroups: vec3<u32>) -> u32 {
  return wid.y * ngroups.x + wid.x;
}`;

/** One storage binding of {@link perElement}: its name, element type and access. */
export interface StorageBinding {
  readonly name: string;
  readonly type: "f32" | "i32";
  readonly access: "read" | "read_write";
}

/**
 * A 1-D shader in this backend's conventions: `storage` at bindings 0..k−1 in order, the
 * uniform struct `params` (a WGSL `struct P { total: u32, … }`) as `p` at binding k, any
 * `helpers`, and `body` run once for each flat index `e < p.total` (dispatch with `grid1d`).
 * @example
 * ```ts
 * const DOUBLE = perElement("double", {
 *   storage: [{ name: "x", type: "f32", access: "read" }, { name: "y", type: "f32", access: "read_write" }],
 *   params: "struct P { total: u32 }",
 *   body: "y[e] = 2.0 * x[e];",
 * });
 * ```
 */
export function perElement(
  key: string,
  shader: {
    readonly storage: ReadonlyArray<StorageBinding>;
    readonly params: string;
    readonly helpers?: string;
    readonly body: string;
  },
): KernelSource {
  const bindings = shader.storage.map((b, i) =>
    `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`
  );
  return wgsl(
    key,
    /* wgsl */ `
${bindings.join("\n")}
${shader.params}
@group(0) @binding(${shader.storage.length}) var<uniform> p: P;
${FLAT_INDEX}
${shader.helpers ?? ""}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let e = flat(gid, ng);
  if (e >= p.total) { return; }
${shader.body}
}`,
  );
}
