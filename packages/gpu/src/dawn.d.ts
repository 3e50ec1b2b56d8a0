declare module '#dawn' {
  export function loadNodeGPU(): Promise<GPU | undefined>;
}
