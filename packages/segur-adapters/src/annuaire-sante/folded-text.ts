/** Lower case, without accents, single spaces: how the directory compares names (« Lefèvre » is « lefevre »). */
export function folded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
