/**
 * `npm run image:node`: makes the container image's Node.js (the Dockerfile's NODE_IMAGE major version) available
 * here, fetched from the npm registry (scripts/image/node-runtime.ts). Idempotent: a cached runtime of that major
 * version is kept; `--force` fetches the newest again.
 */
import { cachedNodeRuntime, dockerfileNodeMajor, fetchNodeRuntime } from './node-runtime';

function main(): void {
  const major = dockerfileNodeMajor();
  const cached = process.argv.includes('--force') ? undefined : cachedNodeRuntime(major);
  const runtime = cached ?? fetchNodeRuntime(major);
  console.log(
    `[image:node] Node.js ${runtime.version} (the image's runtime) at ${runtime.node}${cached ? ' (cached)' : ''}`,
  );
}

try {
  main();
} catch (error) {
  console.error(`[image:node] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
