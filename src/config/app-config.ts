import type { AppConfigShape } from './config';

/**
 * The validated configuration, injectable by class. Code asks this object,
 * never `process.env`: the environment is read once, at boot. Declaration
 * merging gives the injection token the fields of the validated shape.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AppConfig extends AppConfigShape {}
