/**
 * Route schemas compiled at a route's first request instead of at start (issue 20): fastify
 * compiles every route's body, query and params validators (ajv) and response serializers
 * (fast-json-stringify) when the app gets ready, ~30 routes, a third of the gateway's start-up
 * CPU once the TD and config validators were generated at build time. These builders hand fastify
 * its own default compilers (same packages, same options, so the same errors), each one created and
 * run only when a route first validates or serializes. A bad schema therefore fails at its route's
 * first request: compilePendingSchemas() compiles all of them, for tests.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFn = ((data: unknown) => unknown) & { errors?: unknown };
type SerializerFn = (data: unknown) => string;
/** fastify's compiler builders, as lib/schema-controller.js calls them: (external schemas, options) => compiler. */
type Builder<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F;

export interface LazySchemaCompilers {
  compilersFactory: Factory;
  /** Compiles every schema not compiled yet; answers how many it compiled. Throws what a compiler throws. */
  compilePending(): number;
}

export function lazySchemaCompilers(): LazySchemaCompilers {
  const pending = new Set<() => void>();
  // fastify's own defaults (lib/schema-controller.js): the pools are per app, as fastify's are.
  const buildAjv = AjvCompiler() as unknown as Builder<ValidatorFn>;
  const buildFjs = SerializerSelector() as unknown as Builder<SerializerFn>;

  /** A function that compiles on its first call, registered in `pending` until then. */
  function later<F extends (...a: never[]) => unknown>(compile: () => F): { get: () => F } {
    let fn: F | undefined;
    const force = (): void => {
      fn ??= compile();
      pending.delete(force);
    };
    pending.add(force);
    return { get: () => (force(), fn!) };
  }

  const buildValidator: Builder<ValidatorFn> = (externalSchemas, ajvOptions) => {
    const compiler = later(() => buildAjv(externalSchemas, ajvOptions));
    return (route) => {
      const v = later(() => compiler.get()(route));
      // fastify reads `errors` off the function it was given after a false answer (lib/validation.js).
      const lazy: ValidatorFn = (data) => {
        const fn = v.get();
        const ok = fn(data);
        lazy.errors = fn.errors;
        return ok;
      };
      return lazy;
    };
  };

  const buildSerializer: Builder<SerializerFn> = (externalSchemas, serializerOptions) => {
    const compiler = later(() => buildFjs(externalSchemas, serializerOptions));
    return (route) => {
      const s = later(() => compiler.get()(route));
      return (data) => s.get()(data);
    };
  };

  return {
    compilersFactory: { buildValidator, buildSerializer } as unknown as Factory,
    compilePending() {
      let n = 0;
      // Forcing one may add none, but Set iteration sees entries added meanwhile anyway.
      for (const force of pending) {
        force();
        n++;
      }
      return n;
    },
  };
}
