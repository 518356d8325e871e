/**
 * Invalidation topic (InvalidationBus): a service or model was created,
 * changed or deleted, so cached model lookups may be stale.
 */
export const LLM_CATALOG_CHANGED = 'llm.catalog-changed';
