import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INS_OIDS, insSchema, isTestOrDemoInsOid, isValidNir, nirKey } from './ins.js';

/** The key as DOMAIN.md states it, computed with plain numbers (13 digits fit a double exactly). */
const keyByTheRule = (first13: string) =>
  String(97 - (Number(first13.replace('2A', '19').replace('2B', '18')) % 97)).padStart(2, '0');

const nirBody = fc
  .tuple(
    fc.constantFrom('1', '2'),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 1, max: 12 }),
    fc.oneof(
      fc.integer({ min: 1, max: 95 }).map((n) => String(n).padStart(2, '0')),
      fc.constantFrom('2A', '2B', '99'),
    ),
    fc.integer({ min: 1, max: 999 }),
    fc.integer({ min: 1, max: 999 }),
  )
  .map(
    ([sex, year, month, department, commune, order]) =>
      `${sex}${String(year).padStart(2, '0')}${String(month).padStart(2, '0')}${department}${String(commune).padStart(3, '0')}${String(order).padStart(3, '0')}`,
  );

describe('the NIR and the INS', () => {
  it('computes the key as 97 − (first 13 digits mod 97), Corsica read as 19 and 18', () => {
    fc.assert(
      fc.property(nirBody, (body) => {
        assert.equal(nirKey(body), keyByTheRule(body));
        assert.equal(isValidNir(`${body}${nirKey(body)}`), true);
      }),
    );
  });

  it('refuses any other key, and malformed numbers', () => {
    fc.assert(
      fc.property(nirBody, fc.integer({ min: 0, max: 99 }), (body, key) => {
        const written = String(key).padStart(2, '0');
        assert.equal(isValidNir(`${body}${written}`), written === keyByTheRule(body));
      }),
    );
    // given a known Corsican number, then the plain digits give another key than 2A read as 19
    const corsican = '169052A123456';
    assert.notEqual(nirKey(corsican), nirKey('1690520123456'));
    for (const malformed of ['', '1850578006084', '18505780060849199', '385057800608491', '1850578006084AB']) {
      assert.equal(isValidNir(malformed), false, malformed);
    }
  });

  it('agrees with the public examples of NIR, Corsican ones included', () => {
    for (const valid of ['295109912611193', '253072A07300443', '253072B07300470']) {
      assert.equal(isValidNir(valid), true, valid);
      assert.equal(nirKey(valid.slice(0, 13)), valid.slice(13), valid);
    }
    assert.equal(isValidNir('295109912611199'), false);
  });

  it('validates a number with its computed key, and never one with a single character changed', () => {
    const characters = [...'0123456789AB'];
    fc.assert(
      fc.property(nirBody, fc.nat({ max: 14 }), fc.constantFrom(...characters), (body, position, replacement) => {
        const nir = `${body}${nirKey(body)}`;
        fc.pre(nir[position] !== replacement);
        const changed = `${nir.slice(0, position)}${replacement}${nir.slice(position + 1)}`;
        assert.equal(isValidNir(nir), true, nir);
        assert.equal(isValidNir(changed), false, `${nir} → ${changed}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts the four INS OIDs and tells the test and demo ones apart', () => {
    const value = `185057800608${'4'}${nirKey('1850578006084')}`;
    for (const oid of Object.values(INS_OIDS)) assert.equal(insSchema.safeParse({ value, oid }).success, true);
    assert.equal(insSchema.safeParse({ value, oid: '1.2.250.1.213.1.4.99' }).success, false);
    assert.deepEqual(Object.values(INS_OIDS).filter(isTestOrDemoInsOid), [INS_OIDS.nirTest, INS_OIDS.nirDemo]);
  });
});
