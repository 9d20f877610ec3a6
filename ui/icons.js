// icons.js: the app's pictures, drawn from one small SVG sprite (Lucide,
// vendor/lucide) rather than emoji, which show as empty boxes on devices
// without an emoji font. The sprite holds only the icons used here.
const NS = 'http://www.w3.org/2000/svg';
const SPRITE = '/vendor/lucide/sprite.svg';

const SPORTS = {
  run: 'footprints', trail_run: 'mountain', walk: 'person-standing', hike: 'tree-pine', ride: 'bike', mtb: 'bike',
  swim: 'waves-ladder', row: 'sailboat', ski: 'mountain-snow', xc_ski: 'snowflake', elliptical: 'activity',
  strength: 'dumbbell', yoga: 'accessibility', pilates: 'accessibility', hiit: 'flame', climbing: 'hand-fist',
};

/**
 * icon is an inline SVG showing one icon of the sprite. With a label it is
 * announced as an image; without one it is decoration, hidden from screen
 * readers (the text beside it says the same).
 */
export function icon(name, label) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('viewBox', '0 0 24 24');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  const use = document.createElementNS(NS, 'use');
  use.setAttribute('href', `${SPRITE}#${name}`);
  svg.append(use);
  return svg;
}

/** sportIcon is a sport's icon; sports of the user's own get a generic one. */
export function sportIcon(key, label) {
  return icon(SPORTS[key] || 'activity', label);
}
