#!/usr/bin/env node
// Logging and configuration come first: nothing else is imported until the
// environment is read and validated, so a bad value stops start-up with one line.
import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type AppConfigShape } from './config/config';

loadDotenv({ quiet: true });

const USAGE = `Usage: threadline <command>

Commands:
  serve                                   start the HTTP and Socket.IO server (default)
  migrate                                 apply pending migrations
  migrate:revert                          revert the last migration
  user:create --email E --password P [--admin] [--name N]
                                          create a user (and their default workspace)
  openapi [--out FILE]                    write the OpenAPI document (stdout without --out)
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

async function withDataSource<T>(
  config: AppConfigShape,
  fn: (ds: import('typeorm').DataSource) => Promise<T>,
): Promise<T> {
  const { createDataSource } = await import('./database/data-source');
  const ds = await createDataSource(config.database).initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command = 'serve', ...args] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { bootstrap } = await import('./main');
      await bootstrap(config);
      return -1; // keeps running
    }
    case 'migrate':
      return withDataSource(config, async (ds) => {
        const applied = await ds.runMigrations({ transaction: 'each' });
        process.stdout.write(
          `Applied ${applied.length} migration(s)${applied.map((m) => `\n  ${m.name}`).join('')}\n`,
        );
        return 0;
      });
    case 'migrate:revert':
      return withDataSource(config, async (ds) => {
        await ds.undoLastMigration({ transaction: 'each' });
        process.stdout.write('Reverted the last migration\n');
        return 0;
      });
    case 'user:create': {
      const email = flag(args, 'email');
      const password = flag(args, 'password');
      if (!email || !password) {
        process.stderr.write('user:create needs --email and --password\n');
        return 2;
      }
      const { createUserFromCli } = await import('./cli/create-user');
      const user = await createUserFromCli(config, {
        email,
        password,
        admin: args.includes('--admin'),
        displayName: flag(args, 'name'),
      });
      process.stdout.write(`Created ${user.role} ${user.email} (${user.id})\n`);
      return 0;
    }
    case 'openapi': {
      const { writeOpenApi } = await import('./cli/openapi');
      await writeOpenApi(config, flag(args, 'out'));
      return 0;
    }
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

function isExpectedFailure(err: unknown): boolean {
  const status = (err as { getStatus?: () => number }).getStatus?.();
  return typeof status === 'number' && status < 500;
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // Configuration and rule violations are the user's to fix: their message is enough.
    if (err instanceof ConfigError || isExpectedFailure(err))
      process.stderr.write(`${(err as Error).message}\n`);
    else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
