/**
 * Public surface of the store layer: the contract, its errors, and the
 * backends. Import from here rather than from backend files.
 */
export type * from './types.ts';
export { StoreError, isStoreError } from './errors.ts';
export type { StoreErrorCode } from './errors.ts';
export { SLUG_PATTERN, CALL_PAGE_DEFAULT, CALL_PAGE_MAX } from './entities.ts';
export { openSqliteStore, SqliteStore } from './sqlite/store.ts';
export type { SqliteStoreOptions } from './sqlite/store.ts';
export type { BatchInfo } from './sqlite/group-commit.ts';
