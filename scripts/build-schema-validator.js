#!/usr/bin/env node
// Writes build/inventory/schema-validator.js: the inventory schema compiled by ajv ahead of
// time ("standalone" code), so that no run of kindling pays for compiling it (issue 14: ajv's
// compile was the largest part of validating a small fleet). Run by `npm run build` after tsc;
// src/inventory/validate-schema.ts compiles at run time when the file is missing (build-test/).
'use strict';

const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const buildDir = join(__dirname, '..', 'build', 'inventory');
const { schemaValidatorSource } = require(join(buildDir, 'validate-schema.js'));
writeFileSync(join(buildDir, 'schema-validator.js'), schemaValidatorSource());
