/**
 * A generated image set shipped with the package (no files): learnable classes of one-channel
 * images, the fallback when the Fashion-MNIST files are absent.
 * @module
 */
import { InvalidArgument, mix32 } from "@remat/core";
import type { ImageDataset } from "./idx_dataset.ts";

/**
 * Options of `generatedImages`.
 *
 * @example
 * ```ts
 * import { generatedImages, type GeneratedImagesOptions } from "@remat/datasets";
 * const options: GeneratedImagesOptions = { classes: 5, size: 16, seed: 1 };
 * console.log(generatedImages(options).inputShape); // [1, 16, 16]
 * ```
 */
export interface GeneratedImagesOptions {
  /** Number of classes, each a distinct pattern; default 10. */
  readonly classes?: number;
  /** Side of the square images in pixels; default 28. */
  readonly size?: number;
  /** Seeds the examples; default 0. */
  readonly seed?: number;
}

/**
 * A generated image classification set shipped with the package (no files), the fallback when
 * the Fashion-MNIST files are absent: one-channel images [1, size, size] with pixels in [0, 1].
 * Class c is a bright blob at angle 2πc/classes on a ring around the centre, over stripes at
 * orientation πc/classes, each example with its own shift, stripe phase, contrast and
 * per-pixel noise, so the class is learnable but not given away by any single pixel.
 * Example (step·size + r) of the stream is a pure function of (seed, its index).
 *
 * @example
 * ```ts
 * import { generatedImages } from "@remat/datasets";
 * const data = generatedImages({ classes: 4, size: 16 });
 * const { x, y } = data.batch(0, 8);
 * console.log(x.length, y.length, data.inputShape); // 2048 8 [1, 16, 16]
 * ```
 */
export function generatedImages(options: GeneratedImagesOptions = {}): ImageDataset {
  const classes = options.classes ?? 10;
  const side = options.size ?? 28;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) {
    throw new InvalidArgument({ name: "classes", value: classes, expected: "an integer in 2..256" });
  }
  if (!Number.isInteger(side) || side < 4 || side > 1024) {
    throw new InvalidArgument({ name: "size", value: side, expected: "an integer in 4..1024 (pixels)" });
  }
  const per = side * side;
  const base = mix32((seed ^ 0x1a6e5) >>> 0);
  const key = (id: number) =>
    mix32((base ^ mix32(id >>> 0) ^ mix32(Math.floor(id / 4294967296) + 0x9e37)) >>> 0);
  return {
    name: `generatedImages(classes=${classes}, size=${side})`,
    inputShape: [1, side, side],
    classes,
    batch(step, size) {
      const x = new Float32Array(size * per);
      const y = new Int32Array(size);
      for (let r = 0; r < size; r++) {
        const k = key(step * size + r);
        const u = (i: number) => mix32((k ^ mix32(i + 0x3c6ef372)) >>> 0) / 4294967296;
        const c = Math.floor(u(0) * classes);
        y[r] = c;
        // The class's pattern in coordinates relative to the image, in [-0.5, 0.5].
        const ring = (2 * Math.PI * c) / classes;
        const bx = 0.25 * Math.cos(ring) + (u(1) - 0.5) * 0.26;
        const by = 0.25 * Math.sin(ring) + (u(2) - 0.5) * 0.26;
        const orient = (Math.PI * c) / classes + (u(3) - 0.5) * 0.2;
        const ox = Math.cos(orient), oy = Math.sin(orient);
        const phase = (u(4) - 0.5) * 1.5 * Math.PI;
        const contrast = 0.7 + 0.3 * u(5);
        const w = 0.1 + 0.04 * u(6); // blob radius
        const out = x.subarray(r * per, (r + 1) * per);
        for (let i = 0; i < side; i++) {
          const v = (i + 0.5) / side - 0.5;
          for (let j = 0; j < side; j++) {
            const h = (j + 0.5) / side - 0.5;
            const p = i * side + j;
            const blob = Math.exp(-((h - bx) ** 2 + (v - by) ** 2) / (2 * w * w));
            const stripes = 0.5 + 0.5 * Math.cos(2 * Math.PI * 3 * (h * ox + v * oy) + phase);
            const noise = mix32((k ^ mix32(p)) >>> 0) / 4294967296;
            const value = contrast * (0.5 * blob + 0.3 * stripes) + 0.3 * noise;
            out[p] = value > 1 ? 1 : value;
          }
        }
      }
      return { x, y };
    },
  };
}
