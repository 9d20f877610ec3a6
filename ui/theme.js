// theme.js: the colours style.css defines (its custom properties), for
// what CSS cannot paint by itself: chart lines drawn on a canvas, a map's
// route, a colour input's first value. The colours live in style.css only.

/** color is the value of style.css's custom property --name, a colour as style.css spells it. */
export function color(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim();
}

/** zoneColor is a CSS colour for zone i (0-based) of kind "hr" or "power", for an element's style. */
export function zoneColor(kind, i) {
  return `var(--zone-${kind}-${i + 1})`;
}
