import { expect } from 'chai';
import type { ServerUnderTest } from './server-under-test.js';

/**
 * A usager registered by the secretariat and nothing more: a record of social and administrative
 * data only, whose last contact is the day of the registration (the server's clock). The retention
 * tests count its archive and its destruction from that day.
 */
export async function registerSocialOnlyRecord(
  app: ServerUnderTest,
  where: { organisationId: string; facilityId: string; serviceUserId: string },
  secretary: string,
): Promise<void> {
  const registered = await app.request('POST', `/organisations/${where.organisationId}/usagers`, {
    as: secretary,
    body: {
      serviceUserId: where.serviceUserId,
      facilityId: where.facilityId,
      traits: {
        birthName: 'SOCIALE',
        birthFirstNames: ['BERTHE'],
        birthDate: '1980-01-15',
        sex: 'F',
        birthplaceCode: '75056',
      },
    },
  });
  expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
}
