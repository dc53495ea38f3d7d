#!/usr/bin/env node
// Writes train.csv and validation.csv: short product reviews labelled positive, negative or neutral.
// Deterministic (a fixed seed), so the committed CSVs are exactly this script's output:
//   node examples/datasets/product-reviews/generate.mjs [output-dir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SEED = 20240611;
const SIZES = { train: 600, validation: 200 };
const CLASS_SHARES = [
  ['positive', 0.45],
  ['negative', 0.33],
  ['neutral', 0.22],
];
// Real reviews are not all labelled consistently: a few carry the "wrong" star rating.
const LABEL_NOISE = 0.03;

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const pick = (items) => items[Math.floor(random() * items.length)];
const chance = (p) => random() < p;
const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

const PRODUCTS = {
  'wireless headphones': [
    'sound',
    'battery life',
    'noise cancelling',
    'bluetooth connection',
    'ear cushions',
    'microphone',
  ],
  'electric kettle': ['boil time', 'lid', 'handle', 'water gauge', 'power cord', 'limescale filter'],
  'hiking backpack': ['zips', 'shoulder straps', 'side pockets', 'fabric', 'rain cover', 'hip belt'],
  'phone case': ['grip', 'fit', 'button covers', 'drop protection', 'camera cut-out', 'finish'],
  'desk lamp': ['brightness', 'colour temperature', 'base', 'touch switch', 'arm', 'USB port'],
  'running shoes': ['cushioning', 'sizing', 'grip', 'laces', 'heel support', 'breathability'],
  blender: ['motor', 'jug', 'blades', 'lid seal', 'speed settings', 'noise level'],
  'coffee grinder': ['grind consistency', 'hopper', 'burrs', 'timer', 'noise level', 'cleaning brush'],
  'robot vacuum': ['suction', 'app', 'battery life', 'mapping', 'dust bin', 'brushes'],
  'mechanical keyboard': ['switches', 'keycaps', 'backlight', 'cable', 'stabilisers', 'software'],
  'yoga mat': ['thickness', 'grip', 'smell', 'carry strap', 'surface', 'size'],
  'air fryer': ['basket', 'temperature control', 'timer', 'non-stick coating', 'capacity', 'fan noise'],
};
const GENERAL_ASPECTS = ['price', 'packaging', 'delivery', 'instructions', 'build quality', 'customer service'];

const STRONG_POSITIVE = [
  'the {a} {is} excellent',
  'the {a} {is} much better than I expected',
  'really impressed with the {a}',
  'the {a} {works} perfectly',
  'the {a} {is} spot on',
  'I love the {a}',
  'the {a} {is} brilliant',
  'the {a} {is} not bad at all, honestly great',
  "can't fault the {a}",
  'the {a} {feels} really solid',
];
const MILD_POSITIVE = [
  'the {a} {is} pretty good',
  'the {a} {is} decent enough',
  'the {a} {does} the job',
  'the {a} {is} an improvement on my old one',
  'no problems with the {a} so far',
  'the {a} {is} fine',
];
const STRONG_NEGATIVE = [
  'the {a} stopped working after {n} days',
  'the {a} {is} awful',
  'very disappointed with the {a}',
  'the {a} {feels} cheap and flimsy',
  'the {a} gave up within {n} weeks',
  'the {a} {is} a joke',
  'the {a} {is} not worth the money',
  'I hate the {a}',
  'the {a} {is} useless',
  'the {a} {was} faulty out of the box',
];
const MILD_NEGATIVE = [
  'the {a} could be better',
  'the {a} {is} a bit weak',
  'the {a} {is} not great',
  'the {a} {takes} some getting used to',
  'the {a} {is} slightly disappointing',
  'my only complaint is the {a}',
];
const FACTUAL = [
  'it arrived in a plain box',
  'delivery took {n} days',
  'it comes in three colours and I went for grey',
  'I bought it to replace an older one',
  'it is about the size I expected',
  'it was on offer when I ordered it',
  'I have used it {n} times so far',
  'the {a} {is} about what you would expect',
  'the {a} {is} average',
  'the {a} {is} neither good nor bad',
];
const OPENERS = [
  'Bought this for my daughter.',
  'Second one I have owned.',
  'Ordered the {p} last month.',
  'Got this {p} as a gift.',
  'Needed a new {p} for the office.',
  'Been using this {p} for a few weeks.',
  'Upgraded from a cheaper one.',
  '',
  '',
  '',
];
const VERDICTS = {
  positive: [
    'Would buy again.',
    'Highly recommend.',
    'Five stars from me.',
    'Worth every penny.',
    "Couldn't be happier.",
    'Great value.',
    'Really pleased overall.',
  ],
  negative: [
    'Returning it.',
    'Avoid.',
    'Save your money.',
    "Wouldn't recommend.",
    'Asked for a refund.',
    'Great idea, shame about the execution.',
    'I wanted to love it but no.',
  ],
  neutral: [
    'It is fine for the price.',
    'Does the job, nothing special.',
    'Three stars.',
    'Not sure I would buy it again, not sure I would not.',
    'Okay overall.',
    'Mixed feelings.',
    'Average product.',
  ],
};

// Which kinds of clause each class draws from, with weights: mixed reviews are common in every class.
const CLAUSES = {
  positive: [
    [STRONG_POSITIVE, 5],
    [MILD_POSITIVE, 3],
    [MILD_NEGATIVE, 1],
    [FACTUAL, 1],
  ],
  negative: [
    [STRONG_NEGATIVE, 5],
    [MILD_NEGATIVE, 3],
    [MILD_POSITIVE, 1],
    [FACTUAL, 1],
  ],
  neutral: [
    [MILD_POSITIVE, 3],
    [MILD_NEGATIVE, 3],
    [FACTUAL, 4],
    [STRONG_POSITIVE, 0.5],
    [STRONG_NEGATIVE, 0.5],
  ],
};

function weighted(options) {
  const total = options.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of options) {
    r -= w;
    if (r < 0) return value;
  }
  return options[options.length - 1][0];
}

// Aspects named in the plural take plural verbs ("the zips are", "the lid is").
const VERBS = {
  '{is}': ['is', 'are'],
  '{was}': ['was', 'were'],
  '{feels}': ['feels', 'feel'],
  '{works}': ['works', 'work'],
  '{does}': ['does', 'do'],
  '{takes}': ['takes', 'take'],
};

function fill(template, product, aspects) {
  const aspect = pick(aspects);
  const plural = /s$/.test(aspect) && !/ness$/.test(aspect) ? 1 : 0;
  let text = template.replaceAll('{a}', aspect);
  for (const [token, forms] of Object.entries(VERBS)) text = text.replaceAll(token, forms[plural]);
  return text.replaceAll('{p}', product).replaceAll('{n}', String(2 + Math.floor(random() * 10)));
}

function review(label) {
  const product = pick(Object.keys(PRODUCTS));
  const aspects = [...PRODUCTS[product], ...GENERAL_ASPECTS];
  const parts = [];
  const opener = fill(pick(OPENERS), product, aspects);
  if (opener) parts.push(opener);
  const clauses = 1 + Math.floor(random() * 3);
  for (let i = 0; i < clauses; i++) {
    const clause = fill(pick(weighted(CLAUSES[label])), product, aspects);
    // Join some clauses with "but"/"and" the way people write, others as sentences.
    if (i > 0 && chance(0.35))
      parts[parts.length - 1] = `${parts.at(-1).replace(/\.$/, '')} ${pick(['but', 'and', 'although'])} ${clause}.`;
    else parts.push(`${capitalise(clause)}.`);
  }
  if (chance(0.65)) parts.push(pick(VERDICTS[label]));
  let text = parts.join(' ');
  if (chance(0.15)) text = text.toLowerCase();
  if (chance(0.1)) text = text.replace(/\.$/, '!');
  return { product, text };
}

function drawLabel() {
  return weighted(CLASS_SHARES.map(([label, share]) => [label, share]));
}

function csvField(value) {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function rows(count, firstId) {
  const out = ['id,product,text,label'];
  for (let i = 0; i < count; i++) {
    const label = drawLabel();
    const { product, text } = review(label);
    const written = chance(LABEL_NOISE) ? pick(CLASS_SHARES.map(([l]) => l).filter((l) => l !== label)) : label;
    out.push([String(firstId + i), product, text, written].map(csvField).join(','));
  }
  return `${out.join('\n')}\n`;
}

const outDir = process.argv[2] ?? import.meta.dirname;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'train.csv'), rows(SIZES.train, 1));
writeFileSync(join(outDir, 'validation.csv'), rows(SIZES.validation, SIZES.train + 1));
