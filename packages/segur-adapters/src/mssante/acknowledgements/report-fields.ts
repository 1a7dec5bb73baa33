/**
 * The machine-readable part of a delivery status (RFC 3464) or disposition notification
 * (RFC 8098): header-like fields, in blocks separated by blank lines (the message's, then one per
 * recipient for a DSN). Names are lower-cased; a folded line is unfolded.
 */
export function reportFieldBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && last !== undefined) {
      current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

/** `rfc822; someone@example.org` → `someone@example.org` (lower-cased, as addresses compare). */
export function addressOfTypedField(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semicolon = value.indexOf(';');
  const address = (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim().replace(/^<|>$/g, '');
  return address === '' ? undefined : address.toLowerCase();
}

/** A Message-ID as written in a header, `<…>` kept: the same form as the one sent. */
export function messageIdOf(value: string | undefined): string | undefined {
  const match = value?.match(/<[^<>\s]+>/);
  return match?.[0];
}
