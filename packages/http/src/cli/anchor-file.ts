import { readFile } from 'node:fs/promises';
import { type Anchor, InvalidAnchorError, parseAnchor } from '@dui-pds/eventstore';
import { IntegrityFailure, UsageError } from './cli-errors.js';

/**
 * An anchor file written by `dui anchor`, checked. One changed after it was taken is an integrity
 * alert (exit 1), like a broken chain; one that cannot be read or is not an anchor, a usage error.
 */
export async function readAnchor(path: string): Promise<Anchor> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`impossible de lire l’ancre « ${path} »`);
  }
  try {
    return parseAnchor(JSON.parse(text));
  } catch (error) {
    if (error instanceof InvalidAnchorError && error.reason === 'altered')
      throw new IntegrityFailure(`l’ancre « ${path} » a été modifiée après avoir été prise (empreinte non conforme)`);
    throw new UsageError(`« ${path} » n’est pas une ancre écrite par dui anchor`);
  }
}
