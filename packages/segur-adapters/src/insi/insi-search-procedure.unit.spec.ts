import { expect } from 'chai';
import { searchIns } from './insi-search-procedure.js';
import { INSI_TEST_IDENTITIES, InsiStandIn } from './insi-stand-in.js';

const [jeanne, pierreLouis, pierreAndre] = INSI_TEST_IDENTITIES as [
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
];

describe('the INSi search procedure, against the stand-in', () => {
  it('finds a single identity with the first first name, in one call', async () => {
    // given the stand-in
    const insi = new InsiStandIn();
    // when searching Jeanne Martin with her traits
    const answer = await searchIns(insi, jeanne.traits);
    // then one call found her INS and the traits as the INSi holds them
    expect(answer).to.deep.equal({ outcome: 'found', ins: jeanne.ins, traits: jeanne.traits });
    expect(insi.calls).to.equal(1);
  });

  it('retries with every first name when two identities share the first one', async () => {
    const insi = new InsiStandIn();
    const answer = await searchIns(insi, pierreAndre.traits);
    expect(answer).to.deep.equal({ outcome: 'found', ins: pierreAndre.ins, traits: pierreAndre.traits });
    expect(insi.calls).to.equal(2);
  });

  it('retries with the birthplace when every first name still leaves several', async () => {
    // given two identities differing only by birthplace
    const twin = { ...pierreLouis, traits: { ...pierreLouis.traits, birthplaceCode: '33063' } };
    const insi = new InsiStandIn([pierreLouis, twin]);
    const answer = await searchIns(insi, twin.traits);
    expect(answer).to.deep.equal({ outcome: 'found', ins: twin.ins, traits: twin.traits });
    expect(insi.calls).to.equal(3);
  });

  it('answers not found for an unknown identity, and verifies an INS only with every trait', async () => {
    const insi = new InsiStandIn();
    expect(await searchIns(insi, { ...jeanne.traits, birthName: 'INCONNUE' })).to.deep.equal({
      outcome: 'not-found',
    });
    expect(await insi.verify(jeanne.ins, jeanne.traits)).to.deep.equal({ outcome: 'confirmed', traits: jeanne.traits });
    expect(await insi.verify(jeanne.ins, { ...jeanne.traits, birthFirstNames: ['JEANNE'] })).to.deep.equal({
      outcome: 'not-confirmed',
    });
  });
});
