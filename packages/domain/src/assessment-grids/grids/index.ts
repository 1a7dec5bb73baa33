import type { AssessmentGrid } from '../assessment-grid.js';
import { AUDIT, AUDIT_C } from './audit.js';
import { CAST } from './cast.js';
import { DETA } from './deta.js';
import { FAGERSTROM } from './fagerstrom.js';

export { AUDIT, AUDIT_C, CAST, DETA, FAGERSTROM };

/** The public grids shipped with the DUI (HADS is copyrighted and is not shipped). */
export const ASSESSMENT_GRIDS: readonly AssessmentGrid[] = Object.freeze([AUDIT, AUDIT_C, DETA, CAST, FAGERSTROM]);
