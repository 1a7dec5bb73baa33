import type { Ins, StrictTraits } from '@dui-pds/domain';

/**
 * The INSi teleservice, as the record needs it: find a usager's INS from their strict traits, or
 * confirm an INS already held. The SOAP client and its stand-in server come with the INS issue;
 * the record depends only on this port.
 *
 * Answers follow the teleservice's return codes: 00 one identity (`found`), 01 none
 * (`not-found`), 02 several (`several`: the caller retries with every first name, then the
 * birthplace).
 */
export type InsiSearchAnswer =
  | { outcome: 'found'; ins: Ins; traits: StrictTraits }
  | { outcome: 'not-found' }
  | { outcome: 'several' };

export type InsiVerificationAnswer = { outcome: 'confirmed'; traits: StrictTraits } | { outcome: 'not-confirmed' };

/** A search by traits: the first first name at first, then all of them, then the birthplace too. */
export interface InsiSearchQuery {
  birthName: string;
  firstNames: readonly string[];
  birthDate: string;
  sex: StrictTraits['sex'];
  birthplaceCode?: string;
}

export interface Insi {
  search(query: InsiSearchQuery): Promise<InsiSearchAnswer>;
  verify(ins: Ins, traits: StrictTraits): Promise<InsiVerificationAnswer>;
}
