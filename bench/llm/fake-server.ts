/**
 * The upstream of the LLM benchmark, in its own process so it does not share
 * an event loop with the client or the app: an OpenAI fake whose every answer
 * streams `--deltas` deltas `--inter` ms apart. Prints `{"url","port"}` once listening,
 * and `{"connections"}` (TCP connections accepted so far) at each SIGUSR2.
 */
import { startOpenAiFake } from '../../test/fakes/openai-fake';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const fake = await startOpenAiFake({ apiKey: 'sk-bench-upstream' });
  const deltas = Array.from({ length: arg('deltas', 20) }, (_, i) => `tok${i} `);
  fake.setDefault({
    deltas,
    interDeltaMs: arg('inter', 10),
    usage: { prompt: 5, completion: deltas.length },
  });
  // The fake records every request; a benchmark sends thousands, so forget them regularly.
  setInterval(() => fake.requests.splice(0), 1000).unref();
  process.stdout.write(`${JSON.stringify({ url: fake.url, port: fake.port })}\n`);
  // The benchmark asks how many TCP connections the fake accepted so far (keep-alive reuse).
  process.on('SIGUSR2', () => {
    process.stdout.write(`${JSON.stringify({ connections: fake.acceptedConnections })}\n`);
  });
  process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
}

void main();
