import 'reflect-metadata';
import 'dotenv/config';
import { loadConfig } from './src/config/config';
import { createDataSource } from './src/database/data-source';

/** The DataSource the TypeORM CLI uses (`npm run migration:generate|run|revert`). */
export default createDataSource(loadConfig().database);
