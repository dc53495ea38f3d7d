#!/usr/bin/env node
// The data checks of a revision: see trainers/README.md.
require('./launch')('check-data');
