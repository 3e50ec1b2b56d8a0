/**
 * Node's WebGPU: Dawn through the `webgpu` addon. Only Node resolves `#dawn` to this file
 * (package.json `imports`, `node` condition), so browser bundles never see the addon.
 */
export async function loadNodeGPU(): Promise<GPU | undefined> {
  const { create } = await import('webgpu');
  return create([]);
}

/**
 * The per-user cache folder for small derived data (the matmul tuning choice):
 * `SCRATCHSEQ_CACHE_DIR`, else `$XDG_CACHE_HOME/scratchseq`, else `~/.cache/scratchseq`.
 */
async function cacheDir(): Promise<string> {
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  if (process.env.SCRATCHSEQ_CACHE_DIR) return process.env.SCRATCHSEQ_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scratchseq');
}

/** A cache file's text, or undefined when it is missing or unreadable. */
export async function readCacheFile(name: string): Promise<string | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    return await readFile(join(await cacheDir(), name), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes a cache file through a temporary file and a rename, so concurrent processes read
 * either the old or the new file, never half of one. Failures are ignored: a cache is optional.
 */
export async function writeCacheFile(name: string, text: string): Promise<void> {
  try {
    const { mkdir, rename, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = await cacheDir();
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(temp, text);
    await rename(temp, join(dir, name));
  } catch {
    // read-only home, sandbox: the in-memory choice still applies to this process
  }
}
