/**
 * `npm run image:build`: builds the container image from the Dockerfile without Docker, on the image's Node.js, into
 * the cache (scripts/image/image.ts); fetches that Node first when needed (node-runtime.ts). A build of the same
 * sources is reused, so a second run takes a second; `--force` deletes it and builds again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildImage, cachedImage, imageCacheDir, imageHash } from './image';
import { cachedNodeRuntime, dockerfileNodeMajor, fetchNodeRuntime } from './node-runtime';

async function main(): Promise<void> {
  const major = dockerfileNodeMajor();
  const node = cachedNodeRuntime(major) ?? fetchNodeRuntime(major);
  if (process.argv.includes('--force'))
    fs.rmSync(path.join(imageCacheDir(), imageHash(node)), { recursive: true, force: true });
  const cached = cachedImage(node);
  if (cached) {
    console.log(`[image:build] image ${cached.hash} on Node.js ${node.version} (cached) at ${cached.root}`);
    return;
  }
  const started = Date.now();
  const built = await buildImage(node, (line) => console.log(`[image:build] ${line}`));
  console.log(
    `[image:build] image ${built.hash} on Node.js ${node.version} built in ${Math.round((Date.now() - started) / 1000)} s at ${built.root}`,
  );
}

main().catch((error: unknown) => {
  console.error(`[image:build] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
