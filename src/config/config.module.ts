import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { AppConfigShape, loadConfig } from './config';

@Global()
@Module({})
export class ConfigModule {
  /** `config` lets tests and the CLI pass an already-validated configuration. */
  static forRoot(config: AppConfigShape = loadConfig()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
