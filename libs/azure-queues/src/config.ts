// @linebacker/azure-queues/config: the account keys, their parsing and their rules, without
// the Azure SDK. Every app's config schema spreads these keys, so nothing this entry imports
// may import `@azure/*`: only an app whose transport is Azure may pay for the SDK.
export * from './azure-account.config';
export * from './account-url';
