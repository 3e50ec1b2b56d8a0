/** Browser target of `#dawn`: there is no Dawn addon here; `navigator.gpu` is used instead. */
export async function loadNodeGPU(): Promise<GPU | undefined> {
  return undefined;
}
