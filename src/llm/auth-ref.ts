/** What an `authRef` may name: an ordinary environment variable name. */
export const AUTH_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Reads the API key a service names by `authRef`, at call time, so operators
 * can rotate it without touching the database.
 *
 * This is the one sanctioned read of `process.env` outside `src/config`: the
 * variable's name is data (chosen by an administrator per service), so it
 * cannot be part of the validated configuration read at boot. Only
 * administrators may set `authRef` (see LlmCatalogService), because it exposes
 * the server's environment to a URL of their choosing.
 */
export function readAuthRefSecret(authRef: string): string | null {
  if (!AUTH_REF_PATTERN.test(authRef)) return null;
  const value = process.env[authRef];
  return value === undefined || value === '' ? null : value;
}
