import type * as AzureQueues from './index';

/**
 * The adapter (this lib's main entry), loaded on first call. Requiring the Azure SDK costs a
 * process ~25 MB RSS (ADR 0112), so composition calls this only for the Azure transport. The
 * bundler keeps the adapter in each app's bundle but runs its modules, and their
 * `require("@azure/…")`, only here; a static import anywhere in an app would run them at start.
 */
export function loadAzureQueues(): typeof AzureQueues {
  // A synchronous require, not import(): composition stays synchronous, and Jest runs it
  // without an ESM loader.
  return require('./index') as typeof AzureQueues;
}
