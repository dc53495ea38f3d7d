#!/usr/bin/env node
// The default local trainers: see trainers/README.md.
require('./launch')('serve');
