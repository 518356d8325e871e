import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, RequireScope } from '../auth/decorators/auth.decorators';
import { abortOnClientClose } from '../common/http/sse';
import { InvokeDto, InvokeResponseDto, toInvokeResponse } from './dto/invoke.dto';
import { sendCompletionStream } from './invoke-sse';
import { LlmInvocationService } from './llm-invocation.service';

@ApiTags('llm')
@ApiBearerAuth()
@Controller('api/llm')
export class LlmInvokeController {
  constructor(private readonly invocations: LlmInvocationService) {}

  /** The reply is written by hand: JSON, or Server-Sent Events with `stream: true`. */
  @Post('invoke')
  @RequireScope('llm:invoke')
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({
    type: InvokeResponseDto,
    description:
      'With stream: true, Server-Sent Events: data {"delta"} per delta, then event "done" with { message, usage } or event "error" with a problem body',
  })
  async invoke(
    @CurrentUser() me: AuthUser,
    @Body() dto: InvokeDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const signal = abortOnClientClose(reply);
    if (dto.stream) {
      await sendCompletionStream(reply, request, await this.invocations.openStream(me.id, dto, signal));
      return;
    }
    reply.status(200).send(toInvokeResponse(await this.invocations.complete(me.id, dto, signal)));
  }
}
