import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldError } from '../../common/errors/problem';
import type { JsonSchema } from './action-handler';

/** One ajv instance for every handler schema: defaults filled in, every error reported. */
export function createSchemaCompiler(): (schema: JsonSchema) => ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
  addFormats(ajv);
  return (schema) => ajv.compile(schema);
}

/** `/messages/0/role` under `request` → `request.messages[0].role`, like the DTO errors. */
function fieldOf(prefix: string, error: ErrorObject): string {
  let field = prefix;
  for (const part of error.instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    field = /^\d+$/.test(key) ? `${field}[${key}]` : `${field}.${key}`;
  }
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty) return `${field}.${params.missingProperty}`;
  if (error.keyword === 'additionalProperties' && params.additionalProperty) {
    return `${field}.${params.additionalProperty}`;
  }
  return field;
}

export function schemaErrors(prefix: string, errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => ({
    field: fieldOf(prefix, e),
    message: e.keyword === 'additionalProperties' ? 'property is not allowed' : (e.message ?? 'is invalid'),
  }));
}
