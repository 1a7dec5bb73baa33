import type { StrictTraits } from '@dui-pds/domain';
import type { Insi, InsiSearchAnswer, InsiSearchQuery } from './insi-port.js';

/**
 * The INSi search procedure of the INS guide: search with the first birth first name; when several
 * identities answer (code 02), again with every birth first name; when still several, with the
 * birthplace as well. Each step is one teleservice call.
 */
export async function searchIns(insi: Insi, traits: StrictTraits): Promise<InsiSearchAnswer> {
  const base = { birthName: traits.birthName, birthDate: traits.birthDate, sex: traits.sex };
  const steps: InsiSearchQuery[] = [
    { ...base, firstNames: traits.birthFirstNames.slice(0, 1) },
    { ...base, firstNames: traits.birthFirstNames },
    { ...base, firstNames: traits.birthFirstNames, birthplaceCode: traits.birthplaceCode },
  ];
  let answer: InsiSearchAnswer = { outcome: 'not-found' };
  for (const query of steps) {
    answer = await insi.search(query);
    if (answer.outcome !== 'several') return answer;
  }
  return answer;
}
