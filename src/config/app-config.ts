import type { AppConfigShape } from './config';

/**
 * The validated configuration, injectable by class. Code asks this object,
 * never `process.env`: the environment is read once, at boot.
 */
export abstract class AppConfig {}
// Declaration merging gives the injectable token the fields of the validated shape.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig extends AppConfigShape {}
