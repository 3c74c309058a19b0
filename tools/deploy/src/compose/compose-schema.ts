import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';

/** The compose-spec JSON schema dclint bundles (its `exports` hide the path, so resolve it). */
function composeSpecSchema(): Record<string, unknown> {
  const dclint = dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(
    readFileSync(join(dclint, 'schemas', 'compose.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // ajv does not know the draft-07 meta-schema URL the file names; the content is draft-07.
  delete schema['$schema'];
  return schema;
}

function describe(error: ErrorObject): string {
  const at =
    error.instancePath === '' ? '(top level)' : error.instancePath.slice(1).replace(/\//g, '.');
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${at}: unknown key "${String(params['additionalProperty'])}"`;
  }
  if (error.keyword === 'enum') {
    return `${at}: ${error.message ?? 'invalid'} (${JSON.stringify(params['allowedValues'])})`;
  }
  return `${at}: ${error.message ?? 'invalid'}`;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/**
 * Every compose-spec violation in a parsed (and interpolated) Compose document, each as
 * `path: message`. Unlike dclint, which stops at the first schema error, this reports all.
 */
export function schemaProblems(document: unknown): string[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(composeSpecSchema());
  if (validator(document)) return [];
  const problems = (validator.errors ?? [])
    // oneOf/anyOf umbrella errors repeat what their branches already said.
    .filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'anyOf')
    .map(describe);
  return [...new Set(problems)].map((problem) => `schema: ${problem}`);
}
