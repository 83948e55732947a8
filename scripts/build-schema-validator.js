#!/usr/bin/env node
// Writes build/inventory/schema-validator.js: the inventory schema compiled by ajv ahead of
// time ("standalone" code), so that no run of kindling pays for compiling it (issue 14: ajv's
// compile was the largest part of validating a small fleet). Run by `npm run build` after tsc;
// src/inventory/validate-schema.ts compiles at run time when the file is missing (build-test/).
'use strict';

const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

// The package being built is the current folder (npm runs its scripts there), not this file's:
// a build in a copy with scripts/ linked writes the copy's build/.
const buildDir = join(process.cwd(), 'build', 'inventory');
const { schemaValidatorSource } = require(join(buildDir, 'validate-schema.js'));
writeFileSync(join(buildDir, 'schema-validator.js'), schemaValidatorSource());
