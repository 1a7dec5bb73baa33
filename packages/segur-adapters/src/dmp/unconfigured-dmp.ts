import { DmpUnavailable } from './dmp-errors.js';
import type { Dmp } from './dmp-port.js';

/** Where no DMP is configured (production without its settings): every call is unavailable. */
export function unconfiguredDmp(): Dmp {
  const refuse = async (): Promise<never> => {
    throw new DmpUnavailable('not configured');
  };
  return { checkAccess: refuse, submit: refuse, search: refuse, retrieve: refuse };
}
