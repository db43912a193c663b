/**
 * A model module whose `chain` export is a Chain object (not a function).
 * @module
 */
import { type Chain, mlp } from "@remat/core";

/** A 5-block residual MLP on 2 features. */
export const chain: Chain = mlp({ depth: 5, width: 16, hidden: 32, classes: 3, inputs: 2 });
