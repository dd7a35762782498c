import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../src/text/language.js';
import { splitIntoScenes, splitSentences } from '../src/text/splitStory.js';

describe('detectLanguage', () => {
  it.each([
    ['The fox ran to the river.', 'en'],
    ['Лиса побежала к реке.', 'ru'],
    ['狐狸跑到河边。', 'zh'],
    ['여우가 강으로 달려갔다.', 'ko'],
    ['キツネは川へ走った。', 'ja'],
    ['', 'en'],
  ])('%s → %s', (text, language) => expect(detectLanguage(text)).toBe(language));
});

describe('splitIntoScenes', () => {
  it('keeps whole sentences and balances scene lengths', () => {
    const story = 'One. Two is longer than one. Three. Four is the longest sentence of them all. Five.';
    const scenes = splitIntoScenes(story, 3);
    expect(scenes).toHaveLength(3);
    expect(scenes.join(' ')).toBe(story);
    for (const scene of scenes) expect(scene).toMatch(/[.]$/);
  });

  it('splits Chinese at full-width stops and joins without spaces', () => {
    const scenes = splitIntoScenes('一只狐狸醒来了。它很饿！它跑到河边。河水很冷。', 2);
    expect(scenes).toEqual(['一只狐狸醒来了。它很饿！', '它跑到河边。河水很冷。']);
  });

  it('splits at clauses when there are fewer sentences than scenes', () => {
    const scenes = splitIntoScenes('Лиса проснулась, потянулась и побежала к реке.', 2);
    expect(scenes).toEqual(['Лиса проснулась,', 'потянулась и побежала к реке.']);
  });

  it('returns fewer scenes than asked when the story is too short to split', () => {
    expect(splitIntoScenes('Hi.', 5)).toEqual(['Hi.']);
  });

  it('keeps closing quotes with their sentence', () => {
    expect(splitSentences('He said "Run!" Then he ran.')).toEqual(['He said "Run!"', 'Then he ran.']);
  });

  it('is deterministic', () => {
    const story = 'A. B b. C c c. D d d d. E e e e e. F.';
    expect(splitIntoScenes(story, 4)).toEqual(splitIntoScenes(story, 4));
  });
});
