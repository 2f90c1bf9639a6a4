/**
 * SVG plots written as text: an element, and the document around them.
 *
 * @module
 */

/** An element with its attributes in the order given, self-closing when it has no content. */
export function el(name: string, attributes: Readonly<Record<string, string | number>>, content?: string): string {
  const attrs = Object.entries(attributes).map(([key, value]) => ` ${key}="${value}"`).join("");
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/** A plot's size and the margins around its drawing area, in pixels. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** A whole SVG document of `frame`'s size on a `background` rectangle, one element a line. */
export function svgDocument(frame: Frame, background: string, elements: readonly string[]): string {
  const { width, height } = frame;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    el("rect", { width, height, fill: background }),
    ...elements,
    "</svg>",
    "",
  ].join("\n");
}
