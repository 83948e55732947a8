// Layer 1 of validation: the JSON Schema, with every error collected (allErrors) and
// turned into a located diagnostic that says what was expected.
import type { ErrorObject } from 'ajv';
import type { WrittenInventory } from './schema';
import type { DiagnosticList, DocPath } from './diagnostics';
import { didYouMean } from './suggest';

type SchemaValidator = { (data: unknown): boolean; errors?: ErrorObject[] | null };

let compiled: SchemaValidator | undefined;

// strict off: TypeBox writes `examples` as data; verbose: errors carry the value and its schema.
const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

/**
 * The validator that `npm run build` compiled ahead of time (scripts/build-schema-validator.js
 * writes build/inventory/schema-validator.js from schemaValidatorSource), else compiled now.
 */
function compileSchema(): SchemaValidator {
  try {
    return require('./schema-validator') as SchemaValidator;
  } catch {
    return new (ajvClass())(AJV_OPTIONS).compile(inventorySchema());
  }
}

/** ajv itself, loaded only to compile: a run with the compiled validator does not pay for loading it. */
function ajvClass(): typeof import('ajv').default {
  return (require('ajv') as typeof import('ajv')).default;
}

/** The schema itself (TypeBox), loaded only to compile it. */
function inventorySchema(): object {
  return (require('./schema') as typeof import('./schema')).InventorySchema;
}

/** The standalone code of the inventory schema's validator: the same checks and errors as compiling it at run time. */
export function schemaValidatorSource(): string {
  // Required here only: the build script is the one caller.
  const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
  const ajv = new (ajvClass())({ ...AJV_OPTIONS, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(inventorySchema()));
}

/** Checks DATA against the inventory schema; returns it typed when no error was added. */
export function validateAgainstSchema(data: unknown, problems: DiagnosticList): data is WrittenInventory {
  compiled ??= compileSchema();
  if (compiled(data)) return true;
  for (const error of dedupe(compiled.errors ?? [])) {
    const path = pointerToPath(error.instancePath);
    reportSchemaError(error, path, problems);
  }
  return false;
}

function pointerToPath(pointer: string): DocPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

/**
 * Keys an older inventory had, with what replaced them: the hint says what to write instead
 * of guessing a near spelling.
 */
const RETIRED_KEYS: Record<string, string> = {
  'fleet.backupUser':
    'kindling no longer uses one shared account: each peer logs in as its own account, <accountPrefix><peer> (fleet.accountPrefix, default kb-); delete this line (setup locks the old account)',
  'fleet.repositoryUser':
    "the repository now arrives as the REPOHOST's own account, <accountPrefix><repohost> (fleet.accountPrefix, default kb-); delete this line",
};

function reportSchemaError(error: ErrorObject, path: DocPath, problems: DiagnosticList): void {
  const schema = error.parentSchema as { description?: string; examples?: unknown[]; 'x-expected'?: string } | undefined;
  const example = schema?.examples?.[0];
  const exampleHint = example === undefined ? undefined : `for example: ${JSON.stringify(example)}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const retired = RETIRED_KEYS[[...path, key].join('.')];
      problems.error(
        [...path, key],
        retired ? `'${key}' is no longer a setting` : `unknown key '${key}'`,
        retired ?? didYouMean(key, known) ?? `the keys allowed here are: ${known.join(', ')}`,
      );
      return;
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      problems.error(path, `missing required key '${key}'`, `add '${key}:' here`);
      return;
    }
    case 'type': {
      const expected = String((error.params as { type: string }).type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      problems.error(path, `expected ${expected}, found ${describeValue(error.data)}`, exampleHint);
      return;
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const found = String(error.data);
      problems.error(
        path,
        `'${found}' is not one of ${allowed.join(', ')}`,
        found === 'ALLSYS'
          ? 'ALLSYS means every host of the inventory; kindling derives it, so it is never written'
          : (didYouMean(found, allowed) ?? (schema?.description ? firstSentence(schema.description) : undefined)),
      );
      return;
    }
    case 'const': {
      const allowed = (error.params as { allowedValue: unknown }).allowedValue;
      problems.error(path, `expected ${JSON.stringify(allowed)}, found ${describeValue(error.data)}`, exampleHint);
      return;
    }
    case 'pattern':
      problems.error(
        path,
        schema?.['x-expected']
          ? `expected ${schema['x-expected']}, found ${describeValue(error.data)}`
          : `expected a value of the form ${(error.params as { pattern: string }).pattern}, found ${describeValue(error.data)}`,
        exampleHint,
      );
      return;
    case 'minimum':
    case 'maximum': {
      const bounds = schema as { minimum?: number; maximum?: number } | undefined;
      const range =
        bounds?.minimum !== undefined && bounds.maximum !== undefined
          ? `from ${bounds.minimum} to ${bounds.maximum}`
          : error.keyword === 'minimum'
            ? `of at least ${bounds?.minimum}`
            : `of at most ${bounds?.maximum}`;
      problems.error(path, `expected a number ${range}, found ${describeValue(error.data)}`, exampleHint);
      return;
    }
    case 'uniqueItems':
      problems.error(path, 'the list names the same item twice', 'remove the repeated item');
      return;
    default:
      problems.error(path, `${error.message ?? 'is not valid'}`, exampleHint);
  }
}

function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end === -1 ? text.replace(/\.$/, '') : text.slice(0, end);
}

/** ajv can report the same problem more than once for one node; keep the first of each. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
