/** Deterministic offline placeholder art (see painter.ts). */
export {
  renderPlaceholderArt,
  renderPlaceholderPixels,
  type PlaceholderArtOptions,
  type PlaceholderPixels,
} from './painter.js';
export { detectTheme, type ArtTheme } from './themes.js';
