/** The classic spiral dataset (CS231n): `arms` interleaved arms of `perArm` noisy points. */
export function spiral(perArm: number, arms: number, seed: number) {
  let s = seed >>> 0;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const points: number[] = [];
  const labels: number[] = [];
  for (let arm = 0; arm < arms; arm++) {
    for (let i = 0; i < perArm; i++) {
      const r = i / perArm;
      const theta = (arm * 2 * Math.PI) / arms + r * 4 + (random() - 0.5) * 0.4;
      points.push(r * Math.sin(theta), r * Math.cos(theta));
      labels.push(arm);
    }
  }
  return { points, labels, count: perArm * arms, classes: arms };
}
