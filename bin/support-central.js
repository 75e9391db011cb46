#!/usr/bin/env node
// The installed command. Runs the built CLI (npm run build first); in a checkout `npm run cli` runs the sources.
await import('../dist/server/cli/index.js');
