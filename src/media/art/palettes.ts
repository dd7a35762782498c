/**
 * Colour palettes: one per keyword theme, plus a few curated ones for prompts
 * without a recognised keyword. A palette also carries the scene switches
 * that go with its mood (moon instead of sun, snow caps, dunes, low sun).
 */
import type { Rng } from '../../util/random.js';
import { hex, mix, type RGB } from './color.js';
import type { ArtTheme, KeywordTheme } from './themes.js';

export interface Palette {
  skyTop: RGB;
  skyMid: RGB;
  skyHorizon: RGB;
  sun: RGB;
  glow: RGB;
  far: RGB;
  near: RGB;
  water: RGB;
  cloud: RGB;
  /** Moon + stars instead of sun. */
  night?: boolean;
  /** Snow caps on the far range. */
  snowCaps?: boolean;
  /** Smooth dunes instead of jagged mountains. */
  dunes?: boolean;
  /** Sun sits low, touching the far ridge. */
  lowSun?: boolean;
}

const THEME_PALETTES: Record<KeywordTheme, Palette> = {
  sunset: {
    skyTop: hex('#2a2150'),
    skyMid: hex('#a34f78'),
    skyHorizon: hex('#ffb36e'),
    sun: hex('#fff1cf'),
    glow: hex('#ffb27a'),
    far: hex('#c4677a'),
    near: hex('#24142c'),
    water: hex('#4a2a52'),
    cloud: hex('#f59a86'),
    lowSun: true,
  },
  night: {
    skyTop: hex('#030716'),
    skyMid: hex('#0b1a40'),
    skyHorizon: hex('#274677'),
    sun: hex('#f3f0dc'),
    glow: hex('#7f9cd0'),
    far: hex('#22345c'),
    near: hex('#050915'),
    water: hex('#0a1733'),
    cloud: hex('#3a4f7a'),
    night: true,
  },
  sea: {
    skyTop: hex('#3b8bc4'),
    skyMid: hex('#7dbfe2'),
    skyHorizon: hex('#e2f3f4'),
    sun: hex('#fffbea'),
    glow: hex('#fff1c2'),
    far: hex('#7ea6bd'),
    near: hex('#173f4f'),
    water: hex('#237592'),
    cloud: hex('#ffffff'),
  },
  forest: {
    skyTop: hex('#5f9fb3'),
    skyMid: hex('#a4d0c3'),
    skyHorizon: hex('#eef2cf'),
    sun: hex('#fffbe2'),
    glow: hex('#fff3bd'),
    far: hex('#89b08f'),
    near: hex('#11281a'),
    water: hex('#35705f'),
    cloud: hex('#fbfff4'),
  },
  snow: {
    skyTop: hex('#86b7dc'),
    skyMid: hex('#c2ddef'),
    skyHorizon: hex('#f5f9fc'),
    sun: hex('#ffffff'),
    glow: hex('#fffbea'),
    far: hex('#d5e3ef'),
    near: hex('#5f7f9c'),
    water: hex('#6d9cbf'),
    cloud: hex('#ffffff'),
    snowCaps: true,
  },
  desert: {
    skyTop: hex('#4a8fc2'),
    skyMid: hex('#9cc8df'),
    skyHorizon: hex('#f8e4bd'),
    sun: hex('#fff8e2'),
    glow: hex('#ffe7ad'),
    far: hex('#e6b47c'),
    near: hex('#93502c'),
    water: hex('#5a9ab3'),
    cloud: hex('#fffaf0'),
    dunes: true,
  },
};

/** Curated palettes for prompts without a recognised keyword. */
const DEFAULT_PALETTES: readonly Palette[] = [
  {
    // lavender dusk
    skyTop: hex('#34346a'),
    skyMid: hex('#8a74ad'),
    skyHorizon: hex('#f6c8b6'),
    sun: hex('#fff3de'),
    glow: hex('#f8c6a6'),
    far: hex('#9581ad'),
    near: hex('#211b3a'),
    water: hex('#4a3f6e'),
    cloud: hex('#f3cdd0'),
    lowSun: true,
  },
  {
    // golden afternoon
    skyTop: hex('#4784b6'),
    skyMid: hex('#9dc3d8'),
    skyHorizon: hex('#fbe4b2'),
    sun: hex('#fffaf0'),
    glow: hex('#ffe6a8'),
    far: hex('#b7a47f'),
    near: hex('#35301f'),
    water: hex('#4b86a0'),
    cloud: hex('#fffdf5'),
  },
  {
    // peach dawn
    skyTop: hex('#6a8cc4'),
    skyMid: hex('#d6a6b8'),
    skyHorizon: hex('#ffd9ae'),
    sun: hex('#fff6e6'),
    glow: hex('#ffd2a6'),
    far: hex('#b88c9e'),
    near: hex('#38283d'),
    water: hex('#6f6f9c'),
    cloud: hex('#ffe4de'),
    lowSun: true,
  },
  {
    // teal evening
    skyTop: hex('#0f3446'),
    skyMid: hex('#2e7a83'),
    skyHorizon: hex('#f2c88c'),
    sun: hex('#fff0cf'),
    glow: hex('#f6c27e'),
    far: hex('#3f7674'),
    near: hex('#0b1f23'),
    water: hex('#1d4f58'),
    cloud: hex('#bfe0d6'),
    lowSun: true,
  },
  {
    // mint morning
    skyTop: hex('#74b2c7'),
    skyMid: hex('#b6dfd1'),
    skyHorizon: hex('#f6f1d2'),
    sun: hex('#fffef4'),
    glow: hex('#fff5c8'),
    far: hex('#9ac2ae'),
    near: hex('#29463a'),
    water: hex('#4f8f8c'),
    cloud: hex('#ffffff'),
  },
];

/**
 * The palette for a theme. Only the default theme draws a number from `rand`;
 * every later shape depends on how many numbers came before it, so this must
 * stay that way or all existing images change.
 */
export function pickPalette(theme: ArtTheme, rand: Rng): Palette {
  return theme === 'default' ? DEFAULT_PALETTES[Math.floor(rand() * DEFAULT_PALETTES.length)]! : THEME_PALETTES[theme];
}

/** Aerial perspective: distant things fade towards the horizon sky colour. */
export function hazed(pal: Palette, color: RGB, amount: number): RGB {
  return mix(color, pal.skyHorizon, amount);
}
