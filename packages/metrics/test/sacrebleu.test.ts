/**
 * BLEU, chrF and TER against sacreBLEU 2.x's own test cases and README examples. Every expected
 * number below is transcribed from the named file of github.com/mjpost/sacrebleu; none comes from
 * this package.
 */
import { describe, expect, it } from 'vitest';
import {
  type BleuSmoothing,
  type BleuTokenizerName,
  bleuFromStatistics,
  corpusBleu,
  corpusChrf,
  corpusTer,
  sentenceBleu,
  sentenceChrf,
} from '../src/index.js';

// test/test_bleu.py and README.md ("The dog bit the man." example)
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

describe('corpus BLEU (sacrebleu test/test_bleu.py test_corpus_bleu_cases)', () => {
  const cases: [string[], Parameters<typeof corpusBleu>[2], number][] = [
    [HYPS, {}, 48.530827],
    [['', '', ''], {}, 0.0],
    [HYPS, { tokenize: 'none' }, 49.1919566],
    [HYPS, { tokenize: '13a' }, 48.530827],
    [HYPS, { tokenize: 'intl' }, 43.91623493],
    [HYPS, { smoothMethod: 'none' }, 48.530827],
  ];
  it.each(cases)('%j %j → %f', (hyps, options, expected) => {
    expect(Math.abs(corpusBleu(hyps, REFS, options).score - expected)).toBeLessThan(1e-6);
  });
});

describe('raw corpus BLEU, floor smoothing 0.01, tokenize none (test_raw_bleu_cases)', () => {
  // sacrebleu.raw_corpus_bleu = floor smoothing with the given value, tokenize 'none', force.
  const cases: [string[], string[], number][] = [
    // sacreBLEU 2.x returns 0.0 here (issue #141; 1.x gave 0.003799178428257963)
    [['this is a test', 'another test'], ['ref1', 'ref2'], 0.0],
    [['this is a test'], ['this is a test'], 1.0],
    [['this is a fest'], ['this is a test'], 0.223606797749979],
  ];
  it.each(cases)('%j vs %j', (hyps, refs, expected) => {
    const score = corpusBleu(hyps, [refs], {
      smoothMethod: 'floor',
      smoothValue: 0.01,
      tokenize: 'none',
    });
    expect(Math.abs(score.score / 100 - expected)).toBeLessThan(1e-8);
  });
});

describe('effective order (test_case_effective_order, floor 0.01, none)', () => {
  // raw_corpus_bleu in sacreBLEU 2.x sets use_effective_order=True.
  const cases: [string, string, number][] = [
    ['test', 'a test', 0.3678794411714425],
    ['a test', 'a test', 1.0],
    ['a little test', 'a test', 0.03218297948685433],
  ];
  it.each(cases)('%s vs %s', (hyp, ref, expected) => {
    const score = corpusBleu([hyp], [[ref]], {
      smoothMethod: 'floor',
      smoothValue: 0.01,
      tokenize: 'none',
      effectiveOrder: true,
    });
    expect(Math.abs(score.score / 100 - expected)).toBeLessThan(1e-8);
  });
});

describe('BLEU statistics and scoring (test_bleu.py)', () => {
  it('counts and totals (test_case_statistics)', () => {
    const score = corpusBleu(
      ['am I am a character sequence'],
      [['I am a symbol string sequence a a']],
      {
        tokenize: 'none',
      },
    );
    expect(score.counts).toEqual([4, 2, 1, 0]);
    expect(score.totals).toEqual([6, 5, 4, 3]);
  });
  it('offset: floor 0 gives 0, default floor 0.1 gives 0.1555722182 (test_case_offset)', () => {
    const hyp = ['am I am a character sequence'];
    const ref = [['I am a symbol string sequence a a']];
    const base = { tokenize: 'none', smoothMethod: 'floor', effectiveOrder: true } as const;
    expect(corpusBleu(hyp, ref, { ...base, smoothValue: 0 }).score).toBe(0);
    expect(Math.abs(corpusBleu(hyp, ref, base).score / 100 - 0.1555722182)).toBeLessThan(1e-8);
  });
  it('compute_bleu from statistics (test_case_scoring)', () => {
    const result = bleuFromStatistics(
      { counts: [9, 7, 5, 3], totals: [10, 8, 6, 4], hypothesisLength: 11, referenceLength: 11 },
      { smoothMethod: 'none' },
    );
    expect(Math.abs(result.score / 100 - 0.8375922397)).toBeLessThan(1e-8);
  });
  const degenerate: [number[], number[], number, number, number][] = [
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ];
  it.each(degenerate)(
    'degenerate statistics %j/%j give exactly 0 (test_case_degenerate_stats)',
    (counts, totals, sys, ref, offset) => {
      const result = bleuFromStatistics(
        { counts, totals, hypothesisLength: sys, referenceLength: ref },
        { smoothMethod: 'floor', smoothValue: offset },
      );
      expect(result.score).toBe(0);
    },
  );
});

describe('max n-gram order (test_bleu.py test_bleu_max_order, sacreBLEU 2.x)', () => {
  const cases: [number, string][] = [
    [1, '77.65'],
    [2, '60.50'],
    [3, '53.93'],
    [4, '48.53'],
    [5, '46.14'],
    [6, '43.28'],
  ];
  it.each(cases)('order %i → %s', (order, expected) => {
    expect(corpusBleu(HYPS, REFS, { maxNgramOrder: order }).score.toFixed(2)).toBe(expected);
  });
});

describe('sentence BLEU (test/test_sentence_bleu.py, issue #98 example)', () => {
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
  const cases: [BleuSmoothing, number | undefined, boolean, BleuTokenizerName, number][] = [
    ['exp', undefined, false, '13a', 8.493],
    ['none', undefined, false, '13a', 0.0],
    ['floor', undefined, false, '13a', 4.51688],
    ['floor', 0.1, false, '13a', 4.51688],
    ['floor', 0.5, false, '13a', 10.1],
    ['add-k', undefined, false, '13a', 14.882],
    ['add-k', 1, false, '13a', 14.882],
    ['add-k', 2, false, '13a', 21.389],
    ['exp', undefined, false, 'none', 7.347],
    ['exp', undefined, false, 'intl', 8.493],
    ['exp', undefined, false, 'char', 40.8759],
    ['exp', undefined, true, 'char', 42.0267],
  ];
  it.each(cases)(
    'smooth %s value %s lowercase %s tok %s → %f',
    (smoothMethod, smoothValue, lowercase, tokenize, expected) => {
      const score = sentenceBleu(SYS, [REF], { smoothMethod, smoothValue, lowercase, tokenize });
      expect(Math.abs(score.score - expected)).toBeLessThan(1e-3);
    },
  );
  // Issue #141: no matching n-gram at all → 0 whatever the smoothing.
  const zero: [BleuSmoothing, number | undefined][] = [
    ['exp', undefined],
    ['none', undefined],
    ['floor', undefined],
    ['floor', 0.1],
    ['add-k', undefined],
    ['add-k', 1],
  ];
  it.each(zero)('no overlap with %s/%s → 0 (test_cases_zero_bleu)', (smoothMethod, smoothValue) => {
    expect(
      sentenceBleu('this is a cat', ['okay thanks'], { smoothMethod, smoothValue }).score,
    ).toBe(0);
  });
});

describe('README.md examples', () => {
  it('BLEU line and signature', () => {
    const score = corpusBleu(HYPS, REFS);
    // README: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
    expect(score.formatted).toBe(
      'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
    );
    // README: "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.0.0" (version is ours)
    expect(score.signature.replace(/\|version:.*$/, '')).toBe(
      'nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp',
    );
  });
  it('variable number of references', () => {
    const refs = [['', REFS[0][1], REFS[0][2]], REFS[1]];
    const score = corpusBleu(HYPS, refs);
    // README: "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)"
    expect(score.formatted).toBe(
      'BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)',
    );
    expect(score.signature.startsWith('nrefs:var|')).toBe(true);
  });
  it('chrF2 = 59.73', () => {
    expect(corpusChrf(HYPS, REFS).formatted).toBe('chrF2 = 59.73');
  });
});

describe('chrF (test/test_chrf.py)', () => {
  // test_cases: char_order=6, word_order=0, beta=3, eps_smoothing=True
  const epsCases: [string[], string[], number][] = [
    [['abcdefg'], ['hijklmnop'], 0.0],
    [['a'], ['b'], 0.0],
    [[''], ['b'], 0.0],
    [[''], ['ref'], 0.0],
    [[''], ['reference'], 0.0],
    [['aa'], ['ab'], 8.3333],
    [['a', 'b'], ['a', 'c'], 8.3333],
    [['a'], ['a'], 16.6667],
    [['a b c'], ['a b c'], 50.0],
    [['a b c'], ['abc'], 50.0],
    [
      [
        ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      ],
      [
        'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      ],
      63.36173,
    ],
    [
      [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
      ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
      64.1302698,
    ],
    [
      ['Niemand hat die Absicht, eine Mauer zu errichten'],
      ['Niemand hat die Absicht, eine Mauer zu errichten'],
      100.0,
    ],
  ];
  it.each(epsCases)('eps smoothing %j vs %j → %f', (hyps, refs, expected) => {
    const score = corpusChrf(hyps, [refs], {
      charOrder: 6,
      wordOrder: 0,
      beta: 3,
      epsSmoothing: true,
    });
    expect(Math.abs(score.score - expected)).toBeLessThan(1e-4);
  });
  // test_cases_effective_order: eps_smoothing=False (sacreBLEU < 2.0 behaviour)
  const effCases: [string[], string[], number][] = [
    [['a'], ['a'], 100.0],
    [[''], ['reference'], 0.0],
    [['a b c'], ['a b c'], 100.0],
    [['a b c'], ['abc'], 100.0],
    [[''], ['c'], 0.0],
    [['a', 'b'], ['a', 'c'], 50.0],
    [['aa'], ['ab'], 25.0],
  ];
  it.each(effCases)('effective order %j vs %j → %f', (hyps, refs, expected) => {
    const score = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3 });
    expect(Math.abs(score.score - expected)).toBeLessThan(1e-4);
  });
  const whitespaceCases: [string, string, number][] = [
    [
      'Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
      67.3481606,
    ],
    [
      'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      65.2414427,
    ],
  ];
  it.each(whitespaceCases)('keep whitespace %s', (hyp, ref, expected) => {
    const score = corpusChrf([hyp], [[ref]], {
      charOrder: 6,
      wordOrder: 0,
      beta: 3,
      whitespace: true,
    });
    expect(Math.abs(score.score - expected)).toBeLessThan(1e-4);
  });
  const sentenceCases: [string, string, number][] = [
    [
      'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
      'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.',
      39.14078509,
    ],
    [
      'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
      'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.',
      31.22557079,
    ],
    [
      'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
      'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.',
      57.15704367,
    ],
  ];
  it.each(sentenceCases)('sentence level %s', (hyp, ref, expected) => {
    const score = sentenceChrf(hyp, [ref], { epsSmoothing: true });
    expect(Math.abs(score.score - expected)).toBeLessThan(1e-4);
  });
});

describe('TER (test/test_ter.py)', () => {
  const cases: [string[], string[], number][] = [
    [['aaaa bbbb cccc dddd'], ['aaaa bbbb cccc dddd'], 0],
    [['dddd eeee ffff'], ['aaaa bbbb cccc'], 1],
    [[''], ['a'], 1],
    [['d e f g h a b c'], ['a b c d e f g h'], 1 / 8],
    [
      [
        'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .',
        'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
        'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie Werte für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " ein .',
        'Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .',
        'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
      ],
      [
        'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .',
        'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
        'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " niedrigere Werte ein .',
        'Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .',
        'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
      ],
      0.136,
    ],
  ];
  it.each(cases)('%j → %f', (hyps, refs, expected) => {
    expect(Math.abs(corpusTer(hyps, [refs]).score - 100 * expected)).toBeLessThan(1e-3);
  });
});
