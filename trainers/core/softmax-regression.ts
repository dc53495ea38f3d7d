import { seededRandom, shuffleInPlace } from './random';

/** A feature vector: parallel arrays of feature indices and values (dense vectors list every index). */
export interface FeatureVector {
  indices: Uint32Array;
  values: Float32Array;
}

export interface SoftmaxTrainOptions {
  epochs: number;
  /** Initial step size; it decays linearly to zero over the run. */
  learningRate: number;
  /** L2 penalty on the weights (not the biases). */
  l2: number;
  seed: number;
  /** Per-class loss weights (e.g. balanced); all ones when omitted. */
  classWeights?: readonly number[];
  onEpoch?: (epoch: number, meanLoss: number) => void;
}

/**
 * Multinomial logistic regression. Weights are float32 and laid out feature-major (`w[f * classes + c]`) so
 * one feature's class weights sit together; the saved file holds exactly these numbers, so a loaded model
 * scores exactly as the trained one did.
 */
export class SoftmaxRegression {
  constructor(
    readonly numFeatures: number,
    readonly numClasses: number,
    readonly weights: Float32Array,
    readonly bias: Float32Array,
  ) {
    if (weights.length !== numFeatures * numClasses || bias.length !== numClasses) {
      throw new Error(`weights do not match ${numFeatures} features x ${numClasses} classes`);
    }
  }

  /** Class probabilities. */
  probabilities(x: FeatureVector): Float64Array {
    const k = this.numClasses;
    const z = new Float64Array(k);
    for (let c = 0; c < k; c++) z[c] = this.bias[c]!;
    for (let n = 0; n < x.indices.length; n++) {
      const base = x.indices[n]! * k;
      const v = x.values[n]!;
      for (let c = 0; c < k; c++) z[c]! += v * this.weights[base + c]!;
    }
    return softmaxInPlace(z);
  }

  predict(x: FeatureVector): number {
    return argmax(this.probabilities(x));
  }
}

/**
 * Plain SGD on the cross-entropy, one example at a time in a seeded order. The L2 shrink is applied lazily
 * through a scale factor so a step costs only the example's non-zero features.
 */
export function trainSoftmax(
  xs: readonly FeatureVector[],
  ys: readonly number[],
  numFeatures: number,
  numClasses: number,
  options: SoftmaxTrainOptions,
): SoftmaxRegression {
  const k = numClasses;
  const w = new Float64Array(numFeatures * k);
  const b = new Float64Array(k);
  let scale = 1;
  const random = seededRandom(options.seed);
  const order = Int32Array.from(xs, (_, i) => i);
  const totalSteps = Math.max(1, options.epochs * xs.length);
  const p = new Float64Array(k);
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    shuffleInPlace(order, random);
    let loss = 0;
    for (const i of order) {
      const x = xs[i]!;
      const y = ys[i]!;
      const eta = options.learningRate * (1 - step / totalSteps);
      step++;
      for (let c = 0; c < k; c++) p[c] = b[c]!;
      for (let n = 0; n < x.indices.length; n++) {
        const base = x.indices[n]! * k;
        const v = x.values[n]! * scale;
        for (let c = 0; c < k; c++) p[c]! += v * w[base + c]!;
      }
      softmaxInPlace(p);
      const weight = options.classWeights?.[y] ?? 1;
      loss -= weight * Math.log(Math.max(p[y]!, 1e-12));
      p[y]! -= 1; // p is now the gradient of the loss with respect to the logits
      scale *= 1 - eta * options.l2;
      if (scale < 1e-6) {
        for (let j = 0; j < w.length; j++) w[j]! *= scale;
        scale = 1;
      }
      const stepSize = (eta * weight) / scale;
      for (let n = 0; n < x.indices.length; n++) {
        const base = x.indices[n]! * k;
        const v = x.values[n]! * stepSize;
        for (let c = 0; c < k; c++) w[base + c]! -= v * p[c]!;
      }
      for (let c = 0; c < k; c++) b[c]! -= eta * weight * p[c]!;
    }
    options.onEpoch?.(epoch, loss / Math.max(1, xs.length));
  }
  const weights = Float32Array.from(w, (v) => v * scale);
  return new SoftmaxRegression(numFeatures, k, weights, Float32Array.from(b));
}

function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp(z[c]! - max);
    sum += z[c]!;
  }
  for (let c = 0; c < z.length; c++) z[c]! /= sum;
  return z;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
