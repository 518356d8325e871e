import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../auth/auth-user';
import { CurrentUser, RequireScope } from '../../auth/decorators/auth.decorators';
import { toOpenAiError } from '../../common/errors/openai-error';
import { abortOnClientClose, SseWriter } from '../../common/http/sse';
import { streamProblem } from '../invoke-sse';
import { ChatCompletionRequestDto } from './chat-completion-request.dto';
import { GatewayStream, OpenAiGatewayService } from './openai-gateway.service';
import type { OpenAiModelList, OpenAiModelObject } from './openai-wire';

/**
 * OpenAI-compatible endpoint: any OpenAI client pointed at `<host>/v1` with a
 * personal access token (scope `llm:invoke`) or an access token works
 * unchanged. Errors come in OpenAI's shape (the global filter does that for /v1).
 */
@ApiTags('openai-gateway')
@ApiBearerAuth()
@RequireScope('llm:invoke')
@Controller('v1')
export class OpenAiGatewayController {
  constructor(private readonly gateway: OpenAiGatewayService) {}

  @Get('models')
  @ApiOkResponse({ description: 'OpenAI model list; ids are <serviceName>/<modelName>' })
  models(@CurrentUser() me: AuthUser): Promise<OpenAiModelList> {
    return this.gateway.listModels(me.id);
  }

  /** Model ids hold a slash (`<service>/<model>`): clients send it encoded (`%2F`) or not. */
  @Get('models/*')
  @ApiOkResponse({ description: 'One OpenAI model object' })
  model(@CurrentUser() me: AuthUser, @Req() request: FastifyRequest): Promise<OpenAiModelObject> {
    const raw = (request.params as Record<string, string>)['*'] ?? '';
    return this.gateway.getModel(me.id, decodeURIComponent(raw));
  }

  /** The reply is written by hand: a chat.completion, or chat.completion.chunk events ending in [DONE]. */
  @Post('chat/completions')
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ description: 'OpenAI chat.completion, or chat.completion.chunk Server-Sent Events' })
  async chatCompletions(
    @CurrentUser() me: AuthUser,
    @Body() body: ChatCompletionRequestDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const signal = abortOnClientClose(reply);
    if (body.stream) {
      await sendChunkStream(reply, request, await this.gateway.openStream(me.id, body, signal));
      return;
    }
    reply.status(200).send(await this.gateway.complete(me.id, body, signal));
  }
}

/** OpenAI's streaming format: `data: <chunk>` events, `data: [DONE]`; a mid-stream failure is `data: {"error":…}`. */
async function sendChunkStream(
  reply: FastifyReply,
  request: FastifyRequest,
  stream: GatewayStream,
): Promise<void> {
  const sse = SseWriter.open(reply);
  try {
    sse.write({ data: stream.chunks.opening() });
    for await (const event of stream.events) {
      // Leaving the loop stops the stream, which aborts the upstream request.
      if (sse.closed) break;
      let flushed = true;
      if (event.type === 'delta') {
        flushed = sse.writeJson(stream.chunks.deltaJson(event.text));
      } else {
        for (const chunk of stream.chunks.closing(event.completion)) {
          if (!sse.write({ data: chunk })) flushed = false;
        }
      }
      if (!flushed) await sse.drained();
    }
    sse.write({ data: '[DONE]' });
  } catch (err) {
    sse.write({ data: toOpenAiError(streamProblem(err, request)) });
  } finally {
    sse.end();
  }
}
