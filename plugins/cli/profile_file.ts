/**
 * Profiles saved as JSON by `remat profile` and read back by `remat plan --profile`: the
 * file is checked field by field, so a wrong or hand-edited file is a clear error.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Profile, StageProfile } from "@remat/core";
import { UsageError } from "./args.ts";
import { writeOutput } from "./output_file.ts";

const STAGE_NUMBERS = [
  "outputBytes",
  "tapeBytes",
  "forwardPeakRecord",
  "forwardPeakDiscard",
  "backwardPeak",
  "forwardTime",
  "backwardTime",
  "forwardFlops",
  "backwardFlops",
] as const satisfies ReadonlyArray<keyof StageProfile>;

/**
 * Writes `profile` to `path` as JSON.
 * @throws CommandFailure naming the path when it cannot be written
 * @example
 * ```ts
 * saveProfile("profile.json", staticProfile(chain, 64));
 * ```
 */
export function saveProfile(path: string, profile: Profile): void {
  writeOutput(path, JSON.stringify({ format: "remat-profile/1", profile }, null, 2));
}

/**
 * Reads a profile written by {@link saveProfile}.
 * @throws UsageError naming the file and the bad field
 * @example
 * ```ts
 * const profile = loadProfile("profile.json");
 * ```
 */
export function loadProfile(path: string): Profile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`--profile ${path}: ${e instanceof Error ? e.message : e}`);
  }
  const bad = (what: string) =>
    new UsageError(`--profile ${path}: ${what}; write one with "remat profile --out ${path}"`);
  const d = doc as { format?: unknown; profile?: Partial<Profile> };
  if (d?.format !== "remat-profile/1" || typeof d.profile !== "object" || d.profile === null) {
    throw bad(`not a remat profile (format ${JSON.stringify(d?.format)}; expected "remat-profile/1")`);
  }
  const p = d.profile;
  if (typeof p.chain !== "string" || !Number.isInteger(p.batch) || typeof p.source !== "string") {
    throw bad("chain, batch or source missing");
  }
  if (!Array.isArray(p.stages) || p.stages.length === 0) throw bad("no stages");
  p.stages.forEach((s: Partial<StageProfile>, i: number) => {
    for (const k of STAGE_NUMBERS) {
      if (typeof s[k] !== "number" || !Number.isFinite(s[k]) || s[k]! < 0) {
        throw bad(`stages[${i}].${k} is ${JSON.stringify(s[k])}, expected a number ≥ 0`);
      }
    }
    if (typeof s.tapeHoldsInput !== "boolean" || typeof s.tapeHoldsOutput !== "boolean") {
      throw bad(`stages[${i}] lacks tapeHoldsInput/tapeHoldsOutput`);
    }
  });
  if (typeof p.loss?.peak !== "number" || typeof p.loss?.time !== "number") {
    throw bad("loss.peak or loss.time missing");
  }
  return p as Profile;
}
