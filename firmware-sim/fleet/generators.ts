/**
 * Value generators, one per scenario `generator` kind: each makes a function from a device's
 * reading time (simulated ms since the scenario start) to the next value. A generator owns its
 * Prng stream, so a device's values depend only on the seed, its id and its reading count.
 */
import type { Prng } from './prng.js';
import type { GeneratorSpec } from './scenario.js';

/** Next value of one reading of one device; called once per wake, in time order. */
export type ValueSource = (tMs: number) => number;

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

type Maker<K extends GeneratorSpec['generator']> = (spec: Extract<GeneratorSpec, { generator: K }>, prng: Prng) => ValueSource;

const GENERATORS: { [K in GeneratorSpec['generator']]: Maker<K> } = {
  'random-walk': (spec, prng) => {
    let value = spec.start;
    let first = true;
    return () => {
      if (!first) value = Math.min(spec.max, Math.max(spec.min, value + prng.uniform(-spec.stepMax, spec.stepMax)));
      first = false;
      return round(value, spec.decimals);
    };
  },
  sine: (spec, prng) => {
    const phase = prng.uniform(0, spec.periodS);
    return (tMs) => {
      const angle = (2 * Math.PI * (tMs / 1000 + spec.phaseS + phase)) / spec.periodS;
      return round(spec.mean + spec.amplitude * Math.sin(angle) + spec.noise * prng.normal(), spec.decimals);
    };
  },
  replay: (spec, prng) => {
    const values = spec.values;
    let i = spec.offsetPerDevice ? prng.int(values.length) : 0;
    return () => {
      const value = values[spec.loop ? i % values.length : Math.min(i, values.length - 1)] ?? 0;
      i++;
      return value;
    };
  },
  constant: (spec) => () => spec.value,
};

export function makeValueSource(spec: GeneratorSpec, prng: Prng): ValueSource {
  const make = GENERATORS[spec.generator] as Maker<GeneratorSpec['generator']>;
  return make(spec as never, prng);
}

/** All readings of one device: name -> source, each on its own stream. */
export function makeReadings(specs: Record<string, GeneratorSpec>, prng: Prng): (tMs: number) => Record<string, number> {
  const sources = Object.entries(specs).map(([name, spec]) => [name, makeValueSource(spec, prng.fork(name))] as const);
  return (tMs) => {
    const out: Record<string, number> = {};
    for (const [name, source] of sources) out[name] = source(tMs);
    return out;
  };
}
