/**
 * A small built-in dictionary: common story nouns in en/ru/zh/ko/ja and the English the emulated
 * planner draws with. Not translation: enough for prompts that are concrete, visual and ASCII, so
 * tests can tell a plan derived from the story from a canned one.
 *
 * How a word matches (see `matcher`): English words and phrases as whole words; Russian and Korean
 * as word prefixes (inflections, particles), or whole words when they end in `$` (so "кот$" is not
 * "который"); Chinese and Japanese anywhere (no spaces to find words by).
 */

export interface Noun {
  /** English head noun, for motion prompts ("slow push-in toward the fox"). */
  en: string;
  /** Characters get one fixed English description, reused verbatim in every scene. */
  kind: 'character' | 'place' | 'time';
  /** English phrase in a prompt: a description (character), a subject (place) or lighting (time). */
  phrase: string;
  words: readonly string[];
}

/** `english | phrase | words…` per line; parsed once at load. */
const CHARACTERS = `
fox | a small red fox with a white-tipped tail and amber eyes | fox, foxes, лиса, лису, лисы, лисой, лисе$, лисиц, лисён, лисич, 狐狸, 여우, キツネ, きつね, 狐
girl | a little girl with dark braided hair in a yellow raincoat | girl, girls, девочк, девушк, 女孩, 姑娘, 소녀, 여자아이, 少女, 女の子
boy | a little boy with tousled brown hair and a red scarf | boy, boys, мальчик, мальчуган, 男孩, 소년, 남자아이, 少年, 男の子
old woman | a kind old woman with silver hair in a bun and a blue shawl | old woman, grandmother, granny, старушк, бабушк, старух, 老奶奶, 老婆婆, 奶奶, 할머니, おばあさん, お婆さん
old man | a white-bearded old man in a grey knitted sweater | old man, grandfather, старик, дедушк, 老爷爷, 爷爷, 할아버지, おじいさん, お爺さん
cat | a fluffy ginger cat with green eyes | cat, cats, kitten, kittens, кот$, кота$, коту$, котом$, коты$, кошк, котён, котенк, котик, 小猫, 猫, 고양이, ねこ, ネコ
dog | a scruffy brown dog with floppy ears | dog, dogs, puppy, собак, пёс$, пса$, щен, 小狗, 狗, 강아지, 犬, いぬ, イヌ
dragon | a huge emerald-green dragon with golden eyes | dragon, dragons, дракон, 龙, 드래곤, 용이, 용은, 용을, 竜, 龍, ドラゴン
turtle | a small green sea turtle with a patterned shell | turtle, tortoise, черепах, 乌龟, 海龟, 거북, 亀, カメ
baker | a plump old baker in a white apron and a flour-dusted cap | baker, пекарь$, пекаря$, пекарю$, пекарем$, 面包师, 제빵사
fisherman | a weathered fisherman in a yellow oilskin coat | fisherman, fishermen, рыбак, 渔夫, 어부, 漁師
egret | a slender white egret with long black legs | egret, heron, цапл, 白鹭, 鹭, 백로, 왜가리, 白鷺, サギ
bird | a small bluebird with bright eyes | bird, birds, птиц, птичк, 鸟, 새가, 새는, 새를, 새들, 鳥
bear | a big friendly brown bear | bear, bears, медвед, 熊, 곰, クマ
rabbit | a white rabbit with long ears | rabbit, bunny, hare, заяц, зайц, зайч, кролик, 兔, 토끼, うさぎ, ウサギ
wolf | a grey wolf with pale eyes | wolf, wolves, волк, волч, 狼, 늑대, オオカミ
`;

const PLACES = `
lighthouse | a tall white lighthouse | lighthouse, маяк, 灯塔, 등대, 灯台
river | a winding river | river, stream, река$, реки$, реку$, реке$, рекой$, речк, 河, 江边, 강가, 강물, 시냇물, 개울, 川
forest | a deep pine forest | forest, woods, лес$, леса$, лесу$, лесом$, лесн, 森林, 树林, 숲, 森, 林
moon | a full moon | moon, moonlight, луна, луну, луны, луной, лунн, 月亮, 月光, 달빛, 보름달, 月
sea | the wide sea | sea, ocean, waves, море$, моря$, морю$, морем$, морск, волн, 海, 바다, 바닷, 파도
boat | a small wooden boat | boat, boats, ship, лодк, корабл, 船, 舟, 보트, 배가, 배를, ボート
harbor | a quiet harbor | harbor, harbour, coast, shore, beach, гаван, берег, пристан, 港, 岸, 항구, 해변
village | a small village | village, деревн, село$, посёлк, 村, 마을
city | a city street | city, town, street, город, улиц, 城市, 街, 도시, 거리, 都市, 町
house | a cozy cottage | house, home, cottage, дом$, дома$, домой$, домик, избушк, хижин, 房子, 小屋, 집, 家
bakery | a little bakery full of fresh bread | bakery, bread, пекарн, хлеб, 面包, 빵, パン
mountain | snowy mountains | mountain, mountains, hill, гора$, горы$, гору$, горах$, холм, 山, 산에, 산속, 언덕
sky | a wide sky with drifting clouds | sky, clouds, cloud, небо$, неба$, небе$, небом$, небу$, небес, облак, 天空, 云, 하늘, 구름, 空, 雲
star | bright stars | star, stars, звезд, звёзд, 星星, 星光, 星空, 流星, 별, 별빛, ほし, 星が, 星を, 星の
garden | a garden of flowers | garden, flowers, flower, сад$, саду$, цветок, цветы, 花, 정원, 꽃, 庭
field | a green meadow | field, meadow, поле$, поля$, луг, 田野, 草地, 들판, 초원, 野原, 草原
castle | an old stone castle | castle, palace, замок$, замка$, дворц, дворец, 城堡, 宫殿, 궁전, お城
path | a narrow winding path | path, road, дорог, тропин, 路, 길, 小道, みち
island | a small island | island, остров, 岛, 섬, 島
rocks | dark jagged rocks | rocks, cliff, скал, камн, 岩石, 礁石, 바위, 岩
tree | a great old oak tree | tree, trees, oak, дерево$, дерева$, деревья, дуб$, 树, 나무, 木
lamp | a glowing lantern | lamp, lantern, candle, фонар, ламп, свеч, 灯, 蜡烛, 등불, 촛불, ろうそく
stove | a warm brick stove | stove, oven, fireplace, печь$, печи$, печк, 炉, 난로, ストーブ
`;

const TIMES = `
night | at night under a starry sky | night, midnight, ночь, ночью, ночи$, ночн, 夜, 晚上, 밤
dawn | at dawn in soft pink light | dawn, morning, sunrise, рассвет, утро, утром, 清晨, 早上, 黎明, 아침, 새벽, 朝日, 朝に, 朝が, 今朝
evening | in golden evening light | evening, dusk, sunset, вечер, 傍晚, 黄昏, 저녁, 노을, 夕方, 夕日
sun | in bright sunshine | sun, sunshine, sunlight, солнц, 太阳, 阳光, 햇빛, 햇살, 태양, 太陽
snow | in gently falling snow | snow, winter, снег, снеж, зим, 雪, 冬, 눈송이, 겨울, 눈사람
storm | in a raging storm | storm, stormy, rain, буря, бури$, бурю$, гроз, шторм, дожд, 暴风, 雨, 폭풍, 嵐
`;

function parse(kind: Noun['kind'], table: string): Noun[] {
  return table
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [en = '', phrase = '', words = ''] = line.split('|').map((s) => s.trim());
      return { en, kind, phrase, words: words.split(',').map((w) => w.trim()) };
    });
}

export const NOUNS: readonly Noun[] = [
  ...parse('character', CHARACTERS),
  ...parse('place', PLACES),
  ...parse('time', TIMES),
];

const CJK = /[\u3040-\u30ff\u3400-\u9fff]/u;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regexp for one dictionary word, matched against lower-cased text (rules in the header). */
export function matcher(word: string): RegExp {
  const whole = word.endsWith('$');
  const w = escape(whole ? word.slice(0, -1) : word);
  if (CJK.test(w)) return new RegExp(w, 'u');
  const latin = /^[a-z ]+$/.test(w);
  return new RegExp(`(?<!\\p{L})${w}${whole || latin ? '(?!\\p{L})' : ''}`, 'u');
}

/** The first position in `text` where any of `words` matches, or -1. */
export function firstMatch(text: string, words: readonly string[]): number {
  const lower = text.toLowerCase();
  let best = -1;
  for (const word of words) {
    const i = lower.search(matcher(word));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Dictionary nouns in `text`, in the order they first appear. */
export function nounsIn(text: string): Noun[] {
  return NOUNS.map((noun) => ({ noun, at: firstMatch(text, noun.words) }))
    .filter((m) => m.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((m) => m.noun);
}
