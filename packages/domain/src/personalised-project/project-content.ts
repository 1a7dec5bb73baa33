import { z } from 'zod';

/**
 * What a personalised project (projet personnalisé) is made of: objectives, each in a domain of
 * the usager's life, with the actions that serve it (what, who, by when) and the evaluations of
 * how far it was reached; and, at each validation, how the usager took part (co-construction).
 * These schemas type the events; the rules live in the decider.
 */
export const PROJECT_TITLE_MAX_LENGTH = 200;
export const PROJECT_TEXT_MAX_LENGTH = 4_000;
export const PROJECT_PARTNER_MAX_LENGTH = 200;

const id = z.string().min(1).max(200);
/** A calendar day, `YYYY-MM-DD`. */
export const projectDaySchema = z.iso.date();

export const objectiveDomains = [
  'health',
  'care',
  'housing',
  'resources',
  'integration',
  'socialTies',
  'justice',
  'other',
] as const;
export const objectiveDomainSchema = z.enum(objectiveDomains);
export type ObjectiveDomain = z.infer<typeof objectiveDomainSchema>;

/** The domains as staff name them. */
export const OBJECTIVE_DOMAIN_LABELS: Readonly<Record<ObjectiveDomain, string>> = {
  health: 'Santé',
  care: 'Soins',
  housing: 'Logement',
  resources: 'Ressources',
  integration: 'Insertion',
  socialTies: 'Lien social',
  justice: 'Justice',
  other: 'Autre',
};

export const evaluationResults = ['achieved', 'partlyAchieved', 'notAchieved', 'abandoned', 'inProgress'] as const;
export const evaluationResultSchema = z.enum(evaluationResults);
export type EvaluationResult = z.infer<typeof evaluationResultSchema>;

export const EVALUATION_RESULT_LABELS: Readonly<Record<EvaluationResult, string>> = {
  achieved: 'Atteint',
  partlyAchieved: 'Partiellement atteint',
  notAchieved: 'Non atteint',
  abandoned: 'Abandonné',
  inProgress: 'En cours',
};

/**
 * Who carries out an action: a professional of the organisation (by id), the usager themself, or
 * a partner outside it (named in text: « CCAS de Montreuil », « SPIP 93 »).
 */
export const actionOwnerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('professional'), professionalId: id }),
  z.object({ kind: z.literal('usager') }),
  z.object({ kind: z.literal('partner'), partner: z.string().min(1).max(PROJECT_PARTNER_MAX_LENGTH) }),
]);
export type ActionOwner = z.infer<typeof actionOwnerSchema>;

export const projectActionSchema = z.object({
  actionId: z.uuid(),
  what: z.string().min(1).max(PROJECT_TEXT_MAX_LENGTH),
  who: actionOwnerSchema,
  deadline: projectDaySchema,
  completedOn: projectDaySchema.optional(),
});
export type ProjectAction = z.infer<typeof projectActionSchema>;

export const objectiveEvaluationSchema = z.object({
  evaluatedOn: projectDaySchema,
  result: evaluationResultSchema,
  comment: z.string().max(PROJECT_TEXT_MAX_LENGTH),
  evaluatedBy: id,
});
export type ObjectiveEvaluation = z.infer<typeof objectiveEvaluationSchema>;

export const projectObjectiveSchema = z.object({
  objectiveId: z.uuid(),
  title: z.string().min(1).max(PROJECT_TITLE_MAX_LENGTH),
  description: z.string().max(PROJECT_TEXT_MAX_LENGTH),
  domain: objectiveDomainSchema,
  actions: z.array(projectActionSchema),
  /** Oldest first: the last one is the objective's current evaluation. */
  evaluations: z.array(objectiveEvaluationSchema),
});
export type ProjectObjective = z.infer<typeof projectObjectiveSchema>;

export const usagerAgreements = ['agrees', 'partlyAgrees', 'disagrees', 'notExpressed'] as const;
export const usagerAgreementSchema = z.enum(usagerAgreements);
export type UsagerAgreement = z.infer<typeof usagerAgreementSchema>;

export const USAGER_AGREEMENT_LABELS: Readonly<Record<UsagerAgreement, string>> = {
  agrees: 'D’accord',
  partlyAgrees: 'Partiellement d’accord',
  disagrees: 'Pas d’accord',
  notExpressed: 'Ne s’est pas exprimé',
};

/**
 * How the usager took part in the version being validated: the meeting, whether they were there,
 * their words and wishes, whether they agree. An absent usager's words may still be recorded
 * (gathered before by their key worker); the reason of the absence is then required.
 */
export const coConstructionSchema = z.object({
  meetingOn: projectDaySchema,
  usagerPresent: z.boolean(),
  usagerWords: z.string().max(PROJECT_TEXT_MAX_LENGTH).optional(),
  usagerAgreement: usagerAgreementSchema,
  absenceReason: z.string().max(PROJECT_TEXT_MAX_LENGTH).optional(),
});
export type CoConstruction = z.infer<typeof coConstructionSchema>;
