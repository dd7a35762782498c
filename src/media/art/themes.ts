/**
 * Scene themes: which kind of landscape a prompt asks for, read from keywords
 * in English, Russian, Chinese/Japanese and Korean. The theme picks the
 * palette (see palettes.ts); a water mention adds a sea/river plane.
 */

export type ArtTheme = 'night' | 'sunset' | 'snow' | 'desert' | 'forest' | 'sea' | 'default';

/** The themes a keyword can select; 'default' is what is left when none matches. */
export type KeywordTheme = Exclude<ArtTheme, 'default'>;

const L = '\\p{L}';
/**
 * Latin/Cyrillic/Hangul: the stem must start a word (no letter before it) but
 * may carry any ending, since Russian and Korean inflect heavily.
 */
const words = (...stems: string[]): RegExp => new RegExp(`(?<!${L})(?:${stems.join('|')})`, 'iu');
/** Chinese/Japanese: no spaces between words, so a plain substring match. */
const chars = (...parts: string[]): RegExp => new RegExp(parts.join('|'), 'u');

/**
 * Rules in priority order: the first theme with a matching keyword wins, so
 * "a river at sunset" is a sunset (with water), not a sea. Negative
 * look-aheads keep common look-alike words out: 밤나무 (chestnut tree),
 * 불가/불고기/불편/불안 (impossible, bulgogi, discomfort, anxiety),
 * 눈물/눈썹/눈빛 (tears, eyebrows, gaze), 강아지/강하다/강도 (puppy, strong,
 * robbery), леди (lady).
 */
const THEME_RULES: ReadonlyArray<readonly [KeywordTheme, RegExp[]]> = [
  [
    'night',
    [
      words(
        'night',
        'midnight',
        'moon',
        'stars?\\b',
        'starry',
        'nocturn',
        'ночь',
        'ночн',
        'ночи',
        'полноч',
        'лун[аеыу]',
        'звёзд',
        'звезд',
      ),
      chars('夜', '月亮', '星空', '星星', '晚上'),
      words('밤(?!나무)', '한밤', '달빛', '별'),
    ],
  ],
  [
    'sunset',
    [
      words(
        'sunset',
        'sundown',
        'dusk',
        'fire',
        'flame',
        'blaze',
        'ember',
        'закат',
        'огонь',
        'огн',
        'пламя',
        'костр',
        'костёр',
        'сумерк',
        'рассвет',
        'sunrise',
        'dawn',
      ),
      chars('日落', '夕阳', '黄昏', '晚霞', '火', '夕日', '日の出', '朝焼け'),
      words('노을', '석양', '일몰', '불(?![가고편안])', '해질', '새벽'),
    ],
  ],
  [
    'snow',
    [
      words(
        'snow',
        'winter',
        'ice\\b',
        'icy',
        'frost',
        'glacier',
        'blizzard',
        'снег',
        'снеж',
        'зим',
        'лёд',
        'лед(?!и)',
        'мороз',
        'вьюг',
        'метел',
      ),
      chars('雪', '冬', '冰'),
      words('눈(?![물썹빛])', '겨울', '얼음'),
    ],
  ],
  [
    'desert',
    [
      words('desert', 'dune', 'sand', 'sahara', 'пустын', 'дюн', 'песок', 'песк', 'песч'),
      chars('沙漠', '沙丘', '砂漠'),
      words('사막', '모래'),
    ],
  ],
  [
    'forest',
    [
      words(
        'forest',
        'wood(?:s|land)\\b',
        'trees?\\b',
        'pine',
        'jungle',
        'grove',
        'лес',
        'лесн',
        'роща',
        'бор\\b',
        'деревь',
        'дерев',
        'сосн',
        'ель',
        'ёлк',
        'елк',
        'тайг',
        'джунгл',
      ),
      chars('森林', '树林', '树', '林', '森'),
      words('숲', '나무', '정글'),
    ],
  ],
  [
    'sea',
    [
      words(
        'sea\\b',
        'seas\\b',
        'ocean',
        'river',
        'lake',
        'beach',
        'shore',
        'coast',
        'wave',
        'harbou?r',
        'stream',
        'pond',
        'bay\\b',
        'море',
        'мор[яюеи]\\b',
        'морск',
        'океан',
        'рек[аиеуо]',
        'речк',
        'реч',
        'озер',
        'озёр',
        'пляж',
        'берег',
        'волн',
        'залив',
      ),
      chars('海', '河', '江', '湖', '浪', '川'),
      words('바다', '강(?![아하한해도])', '호수', '해변', '파도', '시냇'),
    ],
  ],
];

/** Water is orthogonal to the theme: a night or sunset scene can still have a river. */
const WATER_RULE: RegExp[] = THEME_RULES.find(([t]) => t === 'sea')![1];

/** Which keyword theme (if any) a prompt maps to, plus whether it mentions water. */
export function detectTheme(prompt: string): { theme: ArtTheme; water: boolean } {
  const text = prompt.normalize('NFC');
  let theme: ArtTheme = 'default';
  for (const [t, rules] of THEME_RULES) {
    if (rules.some((r) => r.test(text))) {
      theme = t;
      break;
    }
  }
  const water = WATER_RULE.some((r) => r.test(text));
  return { theme, water };
}
