import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { flattenValidationErrors, validationProblem } from './validation';

/** Validates a plain object against a DTO class outside HTTP (CLI, Socket.IO payloads), with the same rules. */
export async function validateDto<T extends object>(cls: new () => T, plain: unknown): Promise<T> {
  const instance = plainToInstance(cls, plain ?? {});
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationProblem(flattenValidationErrors(errors));
  return instance;
}
