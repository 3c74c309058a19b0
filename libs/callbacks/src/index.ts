export * from './address-policy';
export * from './callback-config';
export * from './callback-policy';
export * from './callback-signature';
export * from './callback-document';
export * from './http-callback-sender';
export * from './callback-notifier';
