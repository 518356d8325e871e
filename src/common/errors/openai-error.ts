import type { ProblemBody } from './problem';

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'api_error',
  504: 'timeout_error',
};

const CODE_BY_STATUS: Record<number, string> = {
  401: 'invalid_api_key',
  404: 'not_found',
  429: 'rate_limit_exceeded',
  504: 'timeout',
};

/** Our field names where OpenAI's request names the same thing differently. */
const OPENAI_PARAM: Record<string, string> = { modelId: 'model' };

/** The same error as a problem body, in the shape OpenAI's clients parse. */
export function toOpenAiError(
  problem: ProblemBody,
  names: { type?: string; code?: string } = {},
): OpenAiErrorBody {
  const field = problem.errors?.[0]?.field ?? null;
  return {
    error: {
      message: problem.detail || problem.title,
      type:
        names.type ??
        TYPE_BY_STATUS[problem.status] ??
        (problem.status >= 500 ? 'api_error' : 'invalid_request_error'),
      code: names.code ?? CODE_BY_STATUS[problem.status] ?? null,
      param: field === null ? null : (OPENAI_PARAM[field] ?? field),
    },
  };
}
