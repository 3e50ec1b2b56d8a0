/**
 * The Porter (1980) stemmer, "An algorithm for suffix stripping", in the variant NLTK uses by
 * default (`PorterStemmer(mode=NLTK_EXTENSIONS)`), which is what Google's `rouge-score` calls
 * when `use_stemmer=True`. The NLTK extensions differ from the paper in a few documented places:
 * a small table of irregular forms, words of two letters or fewer left alone, "ies"/"ied" on
 * four-letter words, step 1c only after a consonant, and extra step-2 rules (bli, fulli, logi).
 * `mode: 'original'` gives the algorithm exactly as published.
 */

export type PorterMode = 'nltk' | 'original';

const IRREGULAR_FORMS: Record<string, string> = {
  sky: 'sky',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  news: 'news',
  innings: 'inning',
  inning: 'inning',
  outings: 'outing',
  outing: 'outing',
  cannings: 'canning',
  canning: 'canning',
  howe: 'howe',
  proceed: 'proceed',
  exceed: 'exceed',
  succeed: 'succeed',
};

type Condition = (stem: string) => boolean;
/** [suffix, replacement, condition on the stem]; suffix '*d' means "ends in a double consonant". */
type Rule = [string, string, Condition | null];

export class PorterStemmer {
  readonly mode: PorterMode;

  constructor(mode: PorterMode = 'nltk') {
    if (mode !== 'nltk' && mode !== 'original') {
      throw new Error(
        `PorterStemmer mode must be 'nltk' or 'original', got ${JSON.stringify(mode)}.`,
      );
    }
    this.mode = mode;
  }

  private get nltk(): boolean {
    return this.mode === 'nltk';
  }

  /** A letter other than a, e, i, o, u, and other than y after a consonant (the paper's definition). */
  private isConsonant(word: string, i: number): boolean {
    const c = word[i];
    if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
    if (c === 'y') return i === 0 ? true : !this.isConsonant(word, i - 1);
    return true;
  }

  /** m in [C](VC)^m[V]. */
  private measure(stem: string): number {
    let m = 0;
    for (let i = 1; i < stem.length; i++) {
      if (!this.isConsonant(stem, i - 1) && this.isConsonant(stem, i)) m++;
    }
    return m;
  }

  private containsVowel(stem: string): boolean {
    for (let i = 0; i < stem.length; i++) if (!this.isConsonant(stem, i)) return true;
    return false;
  }

  private endsDoubleConsonant(word: string): boolean {
    const n = word.length;
    return n >= 2 && word[n - 1] === word[n - 2] && this.isConsonant(word, n - 1);
  }

  /** *o: ends consonant-vowel-consonant, the last not w, x or y (NLTK also accepts a 2-letter vc). */
  private endsCvc(word: string): boolean {
    const n = word.length;
    const cvc =
      n >= 3 &&
      this.isConsonant(word, n - 3) &&
      !this.isConsonant(word, n - 2) &&
      this.isConsonant(word, n - 1) &&
      !'wxy'.includes(word[n - 1]);
    const nltkVc = this.nltk && n === 2 && !this.isConsonant(word, 0) && this.isConsonant(word, 1);
    return cvc || nltkVc;
  }

  private positiveMeasure = (stem: string) => this.measure(stem) > 0;
  private measureAboveOne = (stem: string) => this.measure(stem) > 1;

  /** The first rule whose suffix matches decides: apply it if its condition holds, else stop. */
  private applyRules(word: string, rules: Rule[]): string {
    for (const [suffix, replacement, condition] of rules) {
      if (suffix === '*d' && this.endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
      if (word.endsWith(suffix)) {
        const stem = word.slice(0, word.length - suffix.length);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
    }
    return word;
  }

  private step1a(word: string): string {
    if (this.nltk && word.endsWith('ies') && word.length === 4) return `${word.slice(0, -3)}ie`;
    return this.applyRules(word, [
      ['sses', 'ss', null],
      ['ies', 'i', null],
      ['ss', 'ss', null],
      ['s', '', null],
    ]);
  }

  private step1b(word: string): string {
    if (this.nltk && word.endsWith('ied')) {
      return word.length === 4 ? `${word.slice(0, -3)}ie` : `${word.slice(0, -3)}i`;
    }
    if (word.endsWith('eed')) {
      const stem = word.slice(0, -3);
      return this.measure(stem) > 0 ? `${stem}ee` : word;
    }
    let intermediate: string | null = null;
    for (const suffix of ['ed', 'ing']) {
      if (word.endsWith(suffix)) {
        const stem = word.slice(0, word.length - suffix.length);
        if (this.containsVowel(stem)) {
          intermediate = stem;
          break;
        }
      }
    }
    if (intermediate === null) return word;
    const last = intermediate[intermediate.length - 1];
    return this.applyRules(intermediate, [
      ['at', 'ate', null],
      ['bl', 'ble', null],
      ['iz', 'ize', null],
      ['*d', last, () => !'lsz'.includes(last)],
      ['', 'e', (stem) => this.measure(stem) === 1 && this.endsCvc(stem)],
    ]);
  }

  private step1c(word: string): string {
    // NLTK: y -> i only after a consonant that is not the word's first letter ("happy" -> "happi",
    // "enjoy" stays); the paper: after any stem containing a vowel.
    const condition: Condition = this.nltk
      ? (stem) => stem.length > 1 && this.isConsonant(stem, stem.length - 1)
      : (stem) => this.containsVowel(stem);
    return this.applyRules(word, [['y', 'i', condition]]);
  }

  private step2(word: string): string {
    const m0 = this.positiveMeasure;
    if (this.nltk && word.endsWith('alli') && m0(word.slice(0, -4))) {
      return this.step2(`${word.slice(0, -4)}al`);
    }
    const rules: Rule[] = [
      ['ational', 'ate', m0],
      ['tional', 'tion', m0],
      ['enci', 'ence', m0],
      ['anci', 'ance', m0],
      ['izer', 'ize', m0],
      this.nltk ? ['bli', 'ble', m0] : ['abli', 'able', m0],
      ['alli', 'al', m0],
      ['entli', 'ent', m0],
      ['eli', 'e', m0],
      ['ousli', 'ous', m0],
      ['ization', 'ize', m0],
      ['ation', 'ate', m0],
      ['ator', 'ate', m0],
      ['alism', 'al', m0],
      ['iveness', 'ive', m0],
      ['fulness', 'ful', m0],
      ['ousness', 'ous', m0],
      ['aliti', 'al', m0],
      ['iviti', 'ive', m0],
      ['biliti', 'ble', m0],
    ];
    if (this.nltk) {
      rules.push(['fulli', 'ful', m0]);
      // NLTK tests the measure of the word minus "ogi" (not minus "logi").
      rules.push(['logi', 'log', () => m0(word.slice(0, -3))]);
    }
    return this.applyRules(word, rules);
  }

  private step3(word: string): string {
    const m0 = this.positiveMeasure;
    return this.applyRules(word, [
      ['icate', 'ic', m0],
      ['ative', '', m0],
      ['alize', 'al', m0],
      ['iciti', 'ic', m0],
      ['ical', 'ic', m0],
      ['ful', '', m0],
      ['ness', '', m0],
    ]);
  }

  private step4(word: string): string {
    const m1 = this.measureAboveOne;
    return this.applyRules(word, [
      ['al', '', m1],
      ['ance', '', m1],
      ['ence', '', m1],
      ['er', '', m1],
      ['ic', '', m1],
      ['able', '', m1],
      ['ible', '', m1],
      ['ant', '', m1],
      ['ement', '', m1],
      ['ment', '', m1],
      ['ent', '', m1],
      ['ion', '', (stem) => m1(stem) && (stem.endsWith('s') || stem.endsWith('t'))],
      ['ou', '', m1],
      ['ism', '', m1],
      ['ate', '', m1],
      ['iti', '', m1],
      ['ous', '', m1],
      ['ive', '', m1],
      ['ize', '', m1],
    ]);
  }

  private step5a(word: string): string {
    if (word.endsWith('e')) {
      const stem = word.slice(0, -1);
      const m = this.measure(stem);
      if (m > 1) return stem;
      if (m === 1 && !this.endsCvc(stem)) return stem;
    }
    return word;
  }

  private step5b(word: string): string {
    return this.applyRules(word, [['ll', 'l', () => this.measure(word.slice(0, -1)) > 1]]);
  }

  /** Stem one word. Like NLTK, the word is lowercased first. */
  stem(word: string): string {
    const lower = word.toLowerCase();
    // NLTK looks the unlowercased word up in its irregular-forms table.
    if (this.nltk && Object.hasOwn(IRREGULAR_FORMS, word)) return IRREGULAR_FORMS[word];
    if (this.nltk && word.length <= 2) return lower;
    let stem = lower;
    stem = this.step1a(stem);
    stem = this.step1b(stem);
    stem = this.step1c(stem);
    stem = this.step2(stem);
    stem = this.step3(stem);
    stem = this.step4(stem);
    stem = this.step5a(stem);
    stem = this.step5b(stem);
    return stem;
  }
}
