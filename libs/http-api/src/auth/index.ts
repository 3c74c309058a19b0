export * from './principal';
export * from './static-tokens';
export * from './jwt';
export * from './authorization';
export * from './auth-config';
export * from './verified-tokens';
