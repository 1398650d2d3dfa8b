/**
 * `npm run watch`: tsc-watch runs this after every successful compile and kills the previous
 * run first, so each change restarts a local Node-RED (http://localhost:1881) on the new build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startDevNodeRed } from './dev-runtime';

execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'copy-assets.ts')], {
  stdio: 'inherit',
});
const child = startDevNodeRed({ name: 'dev', port: Number(process.env.PORT ?? 1881) });
const stop = (): void => {
  child.kill('SIGINT');
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code) => process.exit(code ?? 0));
