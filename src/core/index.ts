export * from './types';
export * from './paths';
export * from './survival';
export * from './mount-table';
export * from './catalog';
export * from './images';
export * from './analyze';
export * from './reasons';
