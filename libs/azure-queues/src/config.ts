// @linebacker/azure-queues/config: the account keys, the keys that say where the interface's
// queues are, their parsing and their rules, and the loader of the adapter, without the Azure
// SDK. Every app's config schema spreads these keys, so nothing this entry imports may import
// `@azure/*`: only an app whose transport is Azure pays for the SDK, when it calls
// `loadAzureQueues()`.
export * from './azure-account.config';
export * from './interface-queues.config';
export * from './account-url';
export * from './load-azure-queues';
