/**
 * Public surface of the config layer.
 */
export { ConfigError, formatPath } from './errors.ts';
export { CONFIG_PATH_ENV, ENV_OVERRIDES } from './env.ts';
export type { EnvKind, EnvOverride } from './env.ts';
export { exampleConfigYaml } from './example.ts';
export { loadConfig, parseConfig, parseYaml, readYamlFile } from './load.ts';
export type { LoadConfigOptions } from './load.ts';
export { configSchema, isCidr, trunkSchema } from './schema.ts';
export type { Config, StoreConfig, TrunkConfig } from './schema.ts';
