/**
 * Mood of a scene from keywords in its narration (same matching rules as the noun dictionary).
 * The mood with the most hits wins, the earlier row on a tie; no hit at all is "calm".
 */
import { MOODS, type Mood } from '../../domain/plan.js';
import { matcher } from './vocabulary.js';

/** `mood | words…`; rows in tie-break order. */
const TABLE = `
tense | danger, dangerous, storm, stormy, afraid, fear, scared, chased, scream, screamed, thunder, опасн, буря, бури$, шторм, страх, страш, боял, испуг, гроз, 危险, 暴风, 害怕, 恐惧, 逃, 위험, 폭풍, 무서, 두려, 도망, 危な, 危険, 嵐, 怖, こわ, 逃げ
sad | sad, cried, cry, tears, lonely, alone, grief, sorrow, wept, груст, печал, плак, слёз, слез, одинок, тоск, 伤心, 难过, 哭, 眼泪, 孤独, 悲, 슬프, 슬퍼, 슬픔, 울었, 울고, 눈물, 외로, 외롭, 悲し, 泣, 涙, 寂し, さみし
mysterious | mystery, mysterious, strange, secret, shadow, shadows, whisper, whispered, fog, mist, тайн, странн, загадоч, тень, тени$, шёпот, шепт, туман, 神秘, 奇怪, 秘密, 影子, 雾, 신비, 이상한, 비밀, 그림자, 안개, 不思議, ふしぎ, 影, 霧
epic | dragon, battle, hero, king, victory, sword, mighty, дракон, битв, геро, побед, меч$, 战斗, 英雄, 胜利, 龙, 전투, 영웅, 승리, 용기, 戦い, 勝利, 竜, 龍
joyful | happy, happily, laugh, laughed, laughing, joy, smile, smiled, celebrate, danced, cheered, sang, радост, радова, смея, смех, улыб, счаст, весел, 高兴, 快乐, 开心, 笑, 欢, 기뻐, 기쁘, 웃, 행복, 즐거, 신나, 응원, 노래, 嬉し, うれし, 楽し, 幸せ
warm | warm, home, hug, hugged, friend, friends, love, loved, kind, kindest, together, тёпл, тепл, обня, друг$, друга$, другу$, друзья, дружб, любов, любим, уют, добр, 温暖, 拥抱, 朋友, 爱, 陪, 따뜻, 친구, 사랑, 함께, 포근, 暖か, 温か, あたたか, 友達, 愛, 一緒
`;

const MOOD_WORDS: readonly { mood: Mood; patterns: RegExp[] }[] = TABLE.split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [mood = '', words = ''] = line.split('|').map((s) => s.trim());
    if (!(MOODS as readonly string[]).includes(mood)) throw new Error(`moods table: unknown mood "${mood}"`);
    return { mood: mood as Mood, patterns: words.split(',').map((w) => new RegExp(matcher(w.trim()).source, 'gu')) };
  });

export function moodOf(text: string): Mood {
  const lower = text.toLowerCase();
  let best: { mood: Mood; hits: number } = { mood: 'calm', hits: 0 };
  for (const { mood, patterns } of MOOD_WORDS) {
    const hits = patterns.reduce((n, re) => n + (lower.match(re)?.length ?? 0), 0);
    if (hits > best.hits) best = { mood, hits };
  }
  return best.mood;
}

/** Lighting and atmosphere words for a mood, in the image prompt. */
export const MOOD_LIGHT: Readonly<Record<Mood, string>> = {
  calm: 'soft natural light, peaceful atmosphere',
  warm: 'warm golden light, cozy atmosphere',
  joyful: 'bright cheerful colors, lively atmosphere',
  mysterious: 'misty blue shadows, mysterious atmosphere',
  tense: 'dramatic contrast, stormy light',
  sad: 'muted colors, melancholic light',
  epic: 'sweeping scale, dramatic sky',
};
