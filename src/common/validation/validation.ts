import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from '../errors/problem';

/** Flattens class-validator's tree into `{ field: "a.b[0].c", message }` pairs. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix
      ? /^\d+$/.test(e.property)
        ? `${prefix}[${e.property}]`
        : `${prefix}.${e.property}`
      : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export function validationProblem(errors: FieldError[]): ProblemException {
  return new ProblemException(400, 'Validation Failed', {
    detail: errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The request is invalid',
    errors,
  });
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
  });
}
