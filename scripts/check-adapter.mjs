// Prints the WebGPU adapter this machine offers to Node (Dawn through the `webgpu` addon), and
// fails when none is found while SCRATCHSEQ_REQUIRE_WEBGPU=1 (CI): GPU tests must never skip.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/gpu/package.json', import.meta.url));
const required = process.env.SCRATCHSEQ_REQUIRE_WEBGPU === '1';

let adapter = null;
try {
  const { create } = await import(require.resolve('webgpu'));
  globalThis.__scratchseqDawn = create([]); // keep referenced for the process's life
  adapter = await globalThis.__scratchseqDawn.requestAdapter();
} catch (e) {
  console.error(`[check-adapter] could not load Dawn: ${e.message}`);
}
if (!adapter) {
  const msg =
    '[check-adapter] no WebGPU adapter found (on Debian 12 run scripts/setup-system.sh as root)';
  if (required) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
} else {
  const i = adapter.info;
  const features = [...adapter.features].filter((f) =>
    ['subgroups', 'shader-f16', 'timestamp-query'].includes(f),
  );
  console.log(
    `[check-adapter] WebGPU adapter: ${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ')}`,
  );
  console.log(
    `[check-adapter] features: ${features.join(', ')}; maxStorageBufferBindingSize ${adapter.limits.maxStorageBufferBindingSize}`,
  );
}
process.exit(0);
