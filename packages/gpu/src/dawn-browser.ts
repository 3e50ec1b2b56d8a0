/** Browser target of `#dawn`: there is no Dawn addon here; `navigator.gpu` is used instead. */
export async function loadNodeGPU(): Promise<GPU | undefined> {
  return undefined;
}

/** No file cache in browsers: tuning choices live in memory for the page's lifetime. */
export async function readCacheFile(_name: string): Promise<string | undefined> {
  return undefined;
}

export async function writeCacheFile(_name: string, _text: string): Promise<void> {}
