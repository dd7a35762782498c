import type { Mood } from '../domain/plan.js';

/**
 * A scene's mood from its words, for plans made without an LLM (the offline splitter): the music
 * bed follows it. Keywords in every language we accept; the first table that matches wins.
 */
const MOOD_WORDS: [Mood, RegExp][] = [
  [
    'tense',
    /storm|danger|afraid|fear|chase|scream|буря|шторм|опасн|страх|бежал|暴风|危险|害怕|追|폭풍|위험|무서|嵐|危険|怖/iu,
  ],
  [
    'sad',
    /cry|tears|lost|alone|died|grief|плак|слез|одино|умер|грусть|哭|泪|孤独|死|悲伤|울|눈물|외로|슬프|泣|涙|悲し/iu,
  ],
  [
    'joyful',
    /laugh|happy|joy|danc|celebrat|смея|смех|радост|счаст|танц|笑|快乐|高兴|欢|웃|행복|기쁘|춤|楽し|嬉し|喜/iu,
  ],
  ['epic', /battle|dragon|king|army|hero|битв|дракон|король|геро|战斗|龙|国王|英雄|전투|용|왕|영웅|戦|竜|王/iu],
  [
    'mysterious',
    /night|secret|moon|shadow|mist|ночь|тайн|луна|тень|туман|夜|秘密|月|影|雾|밤|비밀|달|그림자|안개|霧/iu,
  ],
  ['warm', /home|love|mother|friend|warm|дом|любов|мама|друг|тепл|家|爱|妈妈|朋友|温暖|집|사랑|엄마|친구|따뜻|愛|友/iu],
];

export function moodOf(text: string): Mood {
  return MOOD_WORDS.find(([, words]) => words.test(text))?.[0] ?? 'calm';
}
