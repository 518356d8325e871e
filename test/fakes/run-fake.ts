/**
 * Run a fake LLM provider for a demo:
 *
 *   npx ts-node test/fakes/run-fake.ts openai --port 4010
 *   npx ts-node test/fakes/run-fake.ts anthropic --port 4011 [--host 127.0.0.1] [--delay 60]
 *
 * Every chat request is answered with "You said: <last user message>", streamed word by word
 * (`--delay` ms between words). Runs until Ctrl-C.
 */
import { startAnthropicFake } from './anthropic-fake';
import { FakeReply, FakeRequest, FakeServer, lastUserText, wordDeltas } from './fake-script';
import { startOpenAiFake } from './openai-fake';

export type FakeProvider = 'openai' | 'anthropic';

export interface RunFakeArgs {
  provider: FakeProvider;
  port: number;
  host: string;
  interDeltaMs: number;
}

const USAGE =
  'Usage: ts-node test/fakes/run-fake.ts <openai|anthropic> [--port 4010] [--host 127.0.0.1] [--delay 60]\n';

/** Parse `<openai|anthropic> [--port N] [--host H] [--delay MS]`; throws with a usage message on bad input. */
export function parseRunFakeArgs(argv: string[]): RunFakeArgs {
  const [provider, ...rest] = argv;
  if (provider !== 'openai' && provider !== 'anthropic') throw new Error(USAGE);
  const args: RunFakeArgs = { provider, port: 0, host: '127.0.0.1', interDeltaMs: 60 };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(USAGE);
    if (flag === '--host') {
      args.host = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(USAGE);
    if (flag === '--port') args.port = n;
    else if (flag === '--delay') args.interDeltaMs = n;
    else throw new Error(USAGE);
  }
  return args;
}

/** The demo reply: echo the last user message, word by word. */
export function echoReply(interDeltaMs: number): (request: FakeRequest) => FakeReply {
  return (request) => ({
    deltas: wordDeltas(`You said: ${lastUserText(request.body) || '(nothing)'}`),
    interDeltaMs,
  });
}

/** Start the fake described by `args` with the echo reply as its default. */
export async function runFake(args: RunFakeArgs): Promise<FakeServer & { sdkBaseURL?: string }> {
  const opts = { port: args.port, host: args.host };
  const fake = args.provider === 'openai' ? await startOpenAiFake(opts) : await startAnthropicFake(opts);
  fake.setDefault(echoReply(args.interDeltaMs));
  return fake;
}

async function main(): Promise<void> {
  let args: RunFakeArgs;
  try {
    args = parseRunFakeArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  const fake = await runFake(args);
  const sdkBaseURL = fake.sdkBaseURL ?? fake.url;
  process.stdout.write(
    `Fake ${args.provider} API listening on ${fake.url}\n` +
      `SDK baseURL: ${sdkBaseURL}\n` +
      `Replies "You said: <last user message>" word by word. Ctrl-C to stop.\n`,
  );
  const stop = (): void => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
