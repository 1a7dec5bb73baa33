import { INS_OIDS, type Ins, nirKey, type StrictTraits, sameTraits } from '@dui-pds/domain';
import type { Insi, InsiSearchAnswer, InsiSearchQuery, InsiVerificationAnswer } from './insi-port.js';

/** A test identity the stand-in knows: its INS and its traits as the INSi would return them. */
export interface InsiTestIdentity {
  ins: Ins;
  traits: StrictTraits;
}

const testIns = (first13: string): Ins => ({ value: `${first13}${nirKey(first13)}`, oid: INS_OIDS.nirTest });

/**
 * Test identities in the spirit of the INSi test platform (test OID, valid keys). Two share name,
 * birth date and sex and differ by their second first name and birthplace, so that a search by the
 * first first name answers "several".
 */
export const INSI_TEST_IDENTITIES: readonly InsiTestIdentity[] = [
  {
    ins: testIns('2850575056123'),
    traits: {
      birthName: 'MARTIN',
      birthFirstNames: ['JEANNE', 'MARIE'],
      birthDate: '1985-05-12',
      sex: 'F',
      birthplaceCode: '75056',
    },
  },
  {
    ins: testIns('1720313055042'),
    traits: {
      birthName: 'DURAND',
      birthFirstNames: ['PIERRE', 'LOUIS'],
      birthDate: '1972-03-08',
      sex: 'M',
      birthplaceCode: '13055',
    },
  },
  {
    ins: testIns('1720369123087'),
    traits: {
      birthName: 'DURAND',
      birthFirstNames: ['PIERRE', 'ANDRE'],
      birthDate: '1972-03-08',
      sex: 'M',
      birthplaceCode: '69123',
    },
  },
  {
    ins: testIns('1900299134011'),
    traits: {
      birthName: 'GARCIA',
      birthFirstNames: ['ANTONIO'],
      birthDate: '1990-02-21',
      sex: 'M',
      birthplaceCode: '99134',
    },
  },
  {
    ins: testIns('268042A004015'),
    traits: {
      birthName: 'SANTONI',
      birthFirstNames: ['MARIE', 'ANGE'],
      birthDate: '1968-04-02',
      sex: 'F',
      birthplaceCode: '2A004',
    },
  },
];

/**
 * A local INSi for tests and the embedded default: it answers from a fixed set of test identities
 * the way the teleservice does, and counts the calls made to it (a test of anonymity checks that
 * none is made).
 *
 * A search matches birth name, birth date and sex, then the first names given (a prefix of the
 * identity's, in order) and, when given, the birthplace: a search with the first first name alone
 * may find several identities, as at the real INSi. A verification needs every trait to match.
 */
export class InsiStandIn implements Insi {
  private searches = 0;
  private verifications = 0;

  constructor(private readonly identities: readonly InsiTestIdentity[] = INSI_TEST_IDENTITIES) {}

  /** How many calls were made, of both kinds. */
  get calls(): number {
    return this.searches + this.verifications;
  }

  async search(query: InsiSearchQuery): Promise<InsiSearchAnswer> {
    this.searches += 1;
    const found = this.identities.filter((identity) => matches(identity.traits, query));
    if (found.length === 0) return { outcome: 'not-found' };
    if (found.length > 1) return { outcome: 'several' };
    const [identity] = found as [InsiTestIdentity];
    return { outcome: 'found', ins: identity.ins, traits: identity.traits };
  }

  async verify(ins: Ins, traits: StrictTraits): Promise<InsiVerificationAnswer> {
    this.verifications += 1;
    const identity = this.identities.find(
      (known) => known.ins.value === ins.value && known.ins.oid === ins.oid && sameTraits(known.traits, traits),
    );
    return identity ? { outcome: 'confirmed', traits: identity.traits } : { outcome: 'not-confirmed' };
  }
}

function matches(identity: StrictTraits, searched: InsiSearchQuery): boolean {
  return (
    identity.birthName === searched.birthName &&
    identity.birthDate === searched.birthDate &&
    identity.sex === searched.sex &&
    searched.firstNames.every((firstName, index) => identity.birthFirstNames[index] === firstName) &&
    (searched.birthplaceCode === undefined || identity.birthplaceCode === searched.birthplaceCode)
  );
}
