declare module '#dawn' {
  export function loadNodeGPU(): Promise<GPU | undefined>;
  export function readCacheFile(name: string): Promise<string | undefined>;
  export function writeCacheFile(name: string, text: string): Promise<void>;
}
