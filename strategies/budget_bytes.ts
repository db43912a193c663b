/**
 * The one check of a byte budget that every strategy taking one (`budget`, `optimal`) runs,
 * so that they accept and reject the same values with the same error.
 * @module
 */
import { InvalidArgument } from "@remat/core";

/** What a byte budget must be, as the error states it. */
export const BUDGET_BYTES_EXPECTED = "a whole number of bytes ≥ 1 (a finite integer)";

/**
 * Returns `value` when it is a valid activation budget in bytes: a finite integer ≥ 1. A
 * budget of 0 bytes, a fraction of a byte and an unbounded budget are refused alike
 * (`InvalidArgument` naming `name`, the value seen and what is valid).
 */
export function checkBudgetBytes(value: unknown, name = "bytes"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgument({ name, value, expected: BUDGET_BYTES_EXPECTED });
  }
  return value;
}
