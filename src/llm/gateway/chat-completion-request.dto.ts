import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { MAX_COMPLETION_TOKENS, MAX_MESSAGE_CHARS, MAX_MESSAGES } from '../dto/invoke.dto';

/** OpenAI's roles we can carry to every provider; `developer` is OpenAI's newer name for `system`. */
export const GATEWAY_ROLES = ['system', 'developer', 'user', 'assistant'] as const;
export type GatewayRole = (typeof GATEWAY_ROLES)[number];

/** A string, or an array of text parts `{ type: 'text', text }` (OpenAI's content parts). */
function isGatewayContent(value: unknown): boolean {
  if (typeof value === 'string') return value.length <= MAX_MESSAGE_CHARS;
  return (
    Array.isArray(value) &&
    value.length <= MAX_MESSAGES &&
    value.every(
      (part: unknown) =>
        typeof part === 'object' &&
        part !== null &&
        (part as { type?: unknown }).type === 'text' &&
        typeof (part as { text?: unknown }).text === 'string' &&
        (part as { text: string }).text.length <= MAX_MESSAGE_CHARS,
    )
  );
}

@ValidatorConstraint({ name: 'messageContent' })
class MessageContentConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isGatewayContent(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a string or an array of text parts`;
  }
}

export type GatewayContent = string | Array<{ type: 'text'; text: string }>;

export class GatewayMessageDto {
  @ApiProperty({ enum: GATEWAY_ROLES })
  @IsIn(GATEWAY_ROLES)
  role: GatewayRole;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] })
  @Validate(MessageContentConstraint)
  content: GatewayContent;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;
}

export class StreamOptionsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

/** The subset of OpenAI's Chat Completions request that every provider can honour. */
export class ChatCompletionRequestDto {
  @ApiProperty({ description: '<serviceName>/<modelName>' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(400)
  model: string;

  @ApiProperty({ type: [GatewayMessageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MESSAGES)
  @ValidateNested({ each: true })
  @Type(() => GatewayMessageDto)
  messages: GatewayMessageDto[];

  @ApiPropertyOptional({ minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  top_p?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COMPLETION_TOKENS)
  max_tokens?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COMPLETION_TOKENS)
  max_completion_tokens?: number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  @IsOptional()
  @IsString({ each: true })
  stop?: string | string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1, description: 'Only one choice is supported' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1)
  n?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  // Sampling knobs that common OpenAI wrappers send by default: accepted (so
  // those clients work unchanged) and not forwarded, since not every provider
  // behind a model has them.
  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Accepted and ignored' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  presence_penalty?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Accepted and ignored' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  frequency_penalty?: number;

  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @IsOptional()
  @IsInt()
  seed?: number;

  /**
   * The quick check of the global pipe (QuickChecked): true only for bodies
   * every decorator above accepts, so a common request skips class-validator
   * (tens of microseconds on the gateway's hottest route). Stricter than the
   * decorators where that is simpler (null fields, lengths): such bodies take
   * the full way and are judged there.
   */
  static quickCheck(value: unknown): boolean {
    if (!isPlainObject(value)) return false;
    for (const key of Object.keys(value)) {
      if (!REQUEST_FIELDS.get(key)?.(value[key])) return false;
    }
    return 'model' in value && 'messages' in value;
  }
}

type Check = (value: unknown) => boolean;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const finiteIn =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const intIn =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const stringUpTo =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length <= max;
const isBoolean: Check = (v) => typeof v === 'boolean';

const MESSAGE_FIELDS = new Map<string, Check>([
  ['role', (v) => (GATEWAY_ROLES as readonly unknown[]).includes(v)],
  ['content', isGatewayContent],
  ['name', stringUpTo(256)],
]);

const isMessage: Check = (v) => {
  if (!isPlainObject(v) || !('role' in v) || !('content' in v)) return false;
  for (const key of Object.keys(v)) if (!MESSAGE_FIELDS.get(key)?.(v[key])) return false;
  return true;
};

/** One check per accepted field: an unknown field fails (the pipe forbids non-whitelisted ones). */
const REQUEST_FIELDS = new Map<string, Check>([
  ['model', (v) => typeof v === 'string' && v.length > 0 && v.length <= 400],
  ['messages', (v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_MESSAGES && v.every(isMessage)],
  ['temperature', finiteIn(0, 2)],
  ['top_p', finiteIn(0, 1)],
  ['max_tokens', intIn(1, MAX_COMPLETION_TOKENS)],
  ['max_completion_tokens', intIn(1, MAX_COMPLETION_TOKENS)],
  ['stop', (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))],
  ['n', intIn(1, 1)],
  ['stream', isBoolean],
  [
    'stream_options',
    (v) => isPlainObject(v) && Object.keys(v).every((k) => k === 'include_usage' && isBoolean(v[k])),
  ],
  ['user', stringUpTo(256)],
  ['presence_penalty', finiteIn(-2, 2)],
  ['frequency_penalty', finiteIn(-2, 2)],
  ['seed', intIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)],
]);
