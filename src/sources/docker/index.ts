export * from './endpoint';
export * from './client';
export * from './scan';
export * from './changes';
