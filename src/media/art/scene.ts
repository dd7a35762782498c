import type { Rng } from '../../util/random.js';
import type { Palette } from './palettes.js';
import type { ArtTheme } from './themes.js';

/** The frame being painted and what every painting step needs to know about it. */
export interface Scene {
  /** Working image: W*H RGB triples as floats, rounded to bytes only at the very end. */
  buf: Float32Array;
  W: number;
  H: number;
  /** Size unit for round things (sun, ripples): the shorter side, so they look alike in any aspect. */
  S: number;
  theme: ArtTheme;
  pal: Palette;
  /** Whether the prompt mentions water: then the lower part of the frame is a sea or river. */
  water: boolean;
  /** y of the far range's base; the sky gradient reaches its horizon colour here. */
  horizon: number;
  /** y where the water plane starts, when there is one. */
  waterline: number;
  /** Hash of the prompt (and the optional seed); seeds `rand` and phases the snow-cap line. */
  seed: number;
  /**
   * The one random stream for the whole picture. Steps draw from it in a fixed
   * order, and that order is part of the output: reordering draws changes images.
   */
  rand: Rng;
}
