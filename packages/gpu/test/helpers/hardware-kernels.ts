import type { Tensor } from '../../src/index.js';

/**
 * Runs `fn` choosing the kernels a hardware GPU gets (a workgroup per row), even on a
 * software adapter such as CI's lavapipe, which otherwise walks one row per invocation once
 * there are ≥ 256 rows; so the workgroup kernels' > 65,535-row grids stay tested there.
 */
export function asHardware(x: Tensor, fn: () => Tensor): Tensor {
  const backend = x.device.backend as { softwareAdapter?: boolean };
  const saved = backend.softwareAdapter;
  if (saved === undefined) return fn(); // CPU backend
  backend.softwareAdapter = false;
  try {
    return fn();
  } finally {
    backend.softwareAdapter = saved;
  }
}
