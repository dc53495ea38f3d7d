// Runs a trainer command: the TypeScript source through tsx in a checkout, the compiled file in a build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

module.exports = function launch(command) {
  const source = join(__dirname, '..', 'cli', `${command}.ts`);
  if (existsSync(source)) {
    require('tsx/cjs');
    require(source);
  } else {
    require(join(__dirname, '..', 'dist', 'cli', `${command}.js`));
  }
};
