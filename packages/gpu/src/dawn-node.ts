/**
 * Node's WebGPU: Dawn through the `webgpu` addon. Only Node resolves `#dawn` to this file
 * (package.json `imports`, `node` condition), so browser bundles never see the addon.
 */
export async function loadNodeGPU(): Promise<GPU | undefined> {
  const { create } = await import('webgpu');
  return create([]);
}
