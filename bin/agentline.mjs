#!/usr/bin/env -S node --max-semi-space-size=64 --expose-gc
// Entry point for the `agentline` command: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
