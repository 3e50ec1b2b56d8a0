/**
 * Sequence labeling against seqeval (github.com/chakki-works/seqeval): tests/test_metrics.py,
 * tests/test_scheme.py and the README. seqeval writes entity ends inclusive in get_entities and
 * exclusive in strict mode; this package always uses an exclusive `end`.
 */
import { describe, expect, it } from 'vitest';
import {
  getEntities,
  getStrictEntities,
  seqevalAccuracy,
  seqevalF1,
  seqevalReport,
  type TaggingScheme,
} from '../src/index.js';

const entities = (tags: string[], scheme: TaggingScheme) =>
  getStrictEntities(tags, scheme).map((e) => [e.type, e.start, e.end]);

describe('default (conlleval-compatible) mode', () => {
  it('test_get_entities (ends made exclusive)', () => {
    const yTrue = ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O', 'B-PER', 'I-PER'];
    expect(getEntities(yTrue).map((e) => [e.type, e.start, e.end])).toEqual([
      ['MISC', 3, 6],
      ['PER', 7, 9],
    ]);
  });
  it('test_get_entities_with_suffix_style', () => {
    const yTrue = ['O', 'O', 'O', 'MISC-B', 'MISC-I', 'MISC-I', 'O', 'PER-B', 'PER-I'];
    expect(getEntities(yTrue, true).map((e) => [e.type, e.start, e.end])).toEqual([
      ['MISC', 3, 6],
      ['PER', 7, 9],
    ]);
  });
  it('README example: f1 0.50, MISC 0.00, PER 1.00', () => {
    const yTrue = [
      ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    const yPred = [
      ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    expect(seqevalF1(yTrue, yPred)).toBe(0.5);
    const report = seqevalReport(yTrue, yPred);
    expect(report.perType.MISC).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(report.perType.PER).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    for (const avg of [report.micro, report.macro, report.weighted]) expect(avg.f1).toBe(0.5);
    expect(report.text).toContain('MISC       0.00      0.00      0.00         1');
    // Tokens 2 and 3 of the first sentence differ: 8 of 10 correct.
    expect(seqevalAccuracy(yTrue, yPred)).toBe(8 / 10);
  });
  it('README strict-mode example: lenient I-NP start counts by default, not in strict IOB2', () => {
    const yTrue = [['B-NP', 'I-NP', 'O']];
    const yPred = [['I-NP', 'I-NP', 'O']];
    expect(seqevalF1(yTrue, yPred)).toBe(1);
    expect(seqevalF1(yTrue, yPred, { mode: 'strict', scheme: 'IOB2' })).toBe(0);
  });
  it('types with hyphens and non-Latin names (test_token_tag)', () => {
    expect(getEntities(['B-ORG-COMPANY', 'I-ORG-COMPANY']).map((e) => e.type)).toEqual([
      'ORG-COMPANY',
    ]);
    expect(getEntities(['B-組織', 'I-組織', 'O']).map((e) => [e.type, e.start, e.end])).toEqual([
      ['組織', 0, 2],
    ]);
  });
});

// tests/test_scheme.py test_<scheme>_tokens: "tags" → entities (type, start, end exclusive).
const SCHEME_TABLES: Record<TaggingScheme, [string, [string, number, number][]][]> = {
  IOB1: [
    ['B-PER', []],
    ['I-PER', [['PER', 0, 1]]],
    ['O', []],
    ['O I-PER', [['PER', 1, 2]]],
    ['O B-PER', []],
    ['I-PER O', [['PER', 0, 1]]],
    ['I-PER I-PER', [['PER', 0, 2]]],
    [
      'I-PER I-ORG',
      [
        ['PER', 0, 1],
        ['ORG', 1, 2],
      ],
    ],
    [
      'I-PER B-PER',
      [
        ['PER', 0, 1],
        ['PER', 1, 2],
      ],
    ],
    ['I-PER B-ORG', [['PER', 0, 1]]],
    ['B-PER O', []],
    ['B-PER I-PER', [['PER', 1, 2]]],
    ['B-PER I-ORG', [['ORG', 1, 2]]],
    ['B-PER B-PER', [['PER', 1, 2]]],
    ['B-PER B-ORG', []],
  ],
  IOB2: [
    ['B-PER', [['PER', 0, 1]]],
    ['I-PER', []],
    ['O', []],
    ['O I-PER', []],
    ['O B-PER', [['PER', 1, 2]]],
    ['I-PER O', []],
    ['I-PER I-PER', []],
    ['I-PER I-ORG', []],
    ['I-PER B-PER', [['PER', 1, 2]]],
    ['I-PER B-ORG', [['ORG', 1, 2]]],
    ['B-PER O', [['PER', 0, 1]]],
    ['B-PER I-PER', [['PER', 0, 2]]],
    ['B-PER I-ORG', [['PER', 0, 1]]],
    [
      'B-PER B-PER',
      [
        ['PER', 0, 1],
        ['PER', 1, 2],
      ],
    ],
    [
      'B-PER B-ORG',
      [
        ['PER', 0, 1],
        ['ORG', 1, 2],
      ],
    ],
  ],
  IOE1: [
    ['E-PER', []],
    ['I-PER', [['PER', 0, 1]]],
    ['O', []],
    ['O I-PER', [['PER', 1, 2]]],
    ['O E-PER', []],
    ['I-PER O', [['PER', 0, 1]]],
    ['I-PER I-PER', [['PER', 0, 2]]],
    [
      'I-PER I-ORG',
      [
        ['PER', 0, 1],
        ['ORG', 1, 2],
      ],
    ],
    ['I-PER E-ORG', [['PER', 0, 1]]],
    ['E-PER O', []],
    ['E-PER I-PER', [['PER', 1, 2]]],
    ['E-PER I-ORG', [['ORG', 1, 2]]],
    ['E-PER E-PER', []],
    ['E-PER E-ORG', []],
  ],
  IOE2: [
    ['E-PER', [['PER', 0, 1]]],
    ['I-PER', []],
    ['O', []],
    ['O I-PER', []],
    ['O E-PER', [['PER', 1, 2]]],
    ['I-PER O', []],
    ['I-PER I-PER', []],
    ['I-PER I-ORG', []],
    ['I-PER E-PER', [['PER', 0, 2]]],
    ['I-PER E-ORG', [['ORG', 1, 2]]],
    ['E-PER O', [['PER', 0, 1]]],
    ['E-PER I-PER', [['PER', 0, 1]]],
    ['E-PER I-ORG', [['PER', 0, 1]]],
    [
      'E-PER E-PER',
      [
        ['PER', 0, 1],
        ['PER', 1, 2],
      ],
    ],
    [
      'E-PER E-ORG',
      [
        ['PER', 0, 1],
        ['ORG', 1, 2],
      ],
    ],
  ],
  IOBES: [
    ['O', []],
    ['I-PER', []],
    ['B-PER', []],
    ['E-PER', []],
    ['S-PER', [['PER', 0, 1]]],
    ['O S-PER', [['PER', 1, 2]]],
    ['I-PER S-PER', [['PER', 1, 2]]],
    ['B-PER I-PER', []],
    ['B-PER B-PER', []],
    ['B-PER E-PER', [['PER', 0, 2]]],
    ['B-PER E-ORG', []],
    ['B-PER S-PER', [['PER', 1, 2]]],
    ['E-PER E-PER', []],
    ['E-PER S-PER', [['PER', 1, 2]]],
    ['S-PER O', [['PER', 0, 1]]],
    ['S-PER I-PER', [['PER', 0, 1]]],
    ['S-PER B-PER', [['PER', 0, 1]]],
    ['S-PER E-PER', [['PER', 0, 1]]],
    [
      'S-PER S-PER',
      [
        ['PER', 0, 1],
        ['PER', 1, 2],
      ],
    ],
  ],
  BILOU: [
    ['O', []],
    ['I-PER', []],
    ['B-PER', []],
    ['L-PER', []],
    ['U-PER', [['PER', 0, 1]]],
    ['O U-PER', [['PER', 1, 2]]],
    ['I-PER U-PER', [['PER', 1, 2]]],
    ['B-PER I-PER', []],
    ['B-PER L-PER', [['PER', 0, 2]]],
    ['B-PER L-ORG', []],
    ['B-PER U-PER', [['PER', 1, 2]]],
    ['L-PER L-PER', []],
    ['L-PER U-PER', [['PER', 1, 2]]],
    ['U-PER O', [['PER', 0, 1]]],
    ['U-PER I-PER', [['PER', 0, 1]]],
    ['U-PER B-PER', [['PER', 0, 1]]],
    ['U-PER L-PER', [['PER', 0, 1]]],
    [
      'U-PER U-PER',
      [
        ['PER', 0, 1],
        ['PER', 1, 2],
      ],
    ],
  ],
};

describe('strict mode chunking (tests/test_scheme.py)', () => {
  for (const [scheme, table] of Object.entries(SCHEME_TABLES) as [
    TaggingScheme,
    (typeof SCHEME_TABLES)['IOB1'],
  ][]) {
    it.each(table)(`${scheme}: %s`, (tags, expected) => {
      expect(entities(tags.split(' '), scheme)).toEqual(expected);
    });
    it(`${scheme}: tags without a type get '_' (test_*_tokens_without_tag)`, () => {
      const [tags, expected] = table.find(([, e]) => e.length > 0)!;
      const bare = tags.split(' ').map((t) => t[0]);
      expect(entities(bare, scheme)).toEqual(expected.map(([, s, e]) => ['_', s, e]));
    });
  }
  it('IOB2 rejects IOBES tags with a message naming the allowed prefixes (TestTokens)', () => {
    expect(() => getStrictEntities(['B-PER', 'E-PER', 'S-PER'], 'IOB2')).toThrow(
      /allowed prefixes are I, O, B/,
    );
  });
  it.each([
    ['E', 'IOB1'],
    ['S', 'IOB1'],
    ['E', 'IOB2'],
    ['S', 'IOB2'],
    ['B', 'IOE1'],
    ['S', 'IOE1'],
    ['B', 'IOE2'],
    ['S', 'IOE2'],
  ] as [string, TaggingScheme][])(
    'invalid prefix %s in %s (test_invalid_prefix)',
    (tag, scheme) => {
      expect(() => getStrictEntities([tag], scheme)).toThrow(/invalid tag/);
    },
  );
  it('entities are per sentence in strict mode (test_entities_filter)', () => {
    const report = seqevalReport([['B-PER', 'B-ORG']], [['B-PER', 'B-ORG']], {
      mode: 'strict',
      scheme: 'IOB2',
    });
    expect(Object.keys(report.perType)).toEqual(['ORG', 'PER']);
  });
  it('strict mode without a scheme says how to pass one', () => {
    expect(() => seqevalF1([['B-PER']], [['B-PER']], { mode: 'strict' })).toThrow(/scheme: 'IOB2'/);
  });
});

describe('seqeval errors', () => {
  it('mismatched sentence counts and lengths name the fix', () => {
    expect(() => seqevalF1([['O']], [['O'], ['O']])).toThrow(/yTrue has 1 items but yPred has 2/);
    expect(() => seqevalF1([['O', 'O']], [['O']])).toThrow(
      /sentence 0 has 2 true tags but 1 predicted tags/,
    );
  });
});
