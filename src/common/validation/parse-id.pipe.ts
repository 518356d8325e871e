import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { validationProblem } from './validation';

/** A UUID path parameter; anything else is a 400 naming the parameter, like every validation failure. */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && isUUID(value)) return value;
    const field = metadata.data ?? 'id';
    throw validationProblem([{ field, message: `${field} must be a UUID` }]);
  }
}
