import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

/**
 * Optional on a DTO class of a hot route: a quick structural check that holds
 * only for bodies class-validator accepts. A body it accepts skips
 * class-validator and class-transformer (and stays a plain object); anything
 * else takes the full way, so errors read exactly the same.
 */
export interface QuickChecked {
  quickCheck(value: unknown): boolean;
}

const hasQuickCheck = (metatype: unknown): metatype is QuickChecked =>
  typeof (metatype as Partial<QuickChecked> | undefined)?.quickCheck === 'function';

/** The global pipe: class-validator, after a DTO's own quick check where it has one. */
class QuickCheckValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (hasQuickCheck(metadata.metatype) && metadata.metatype.quickCheck(value))
      return Promise.resolve(value);
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new QuickCheckValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
  });
}
