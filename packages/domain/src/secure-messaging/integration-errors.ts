import { z } from 'zod';

/**
 * Why a received document could not be filed automatically, as the CI-SIS volet « transmission
 * de documents CDA par courriel MSSanté » codes it (table applicationErrorCondition) and as the
 * error MDN sent back to the sender carries it.
 */
export const INTEGRATION_ERROR_LABELS = {
  '900': 'Version du document incorrecte lors d’une demande de remplacement/suppression',
  '901': 'Auteur non autorisé à remplacer ou supprimer un document',
  '902': 'Identifiant patient inconnu',
  '903': 'INS non présent dans le document',
  '904': 'L’INS transmis ne correspond pas exactement à celui stocké dans la base du consommateur',
  '905': 'L’INS transmis n’est pas complet',
  '906': 'Erreur « Autre »',
} as const;

export type IntegrationErrorCode = keyof typeof INTEGRATION_ERROR_LABELS;

export const INTEGRATION_ERROR_CODES = Object.keys(INTEGRATION_ERROR_LABELS) as IntegrationErrorCode[];

export const integrationErrorCodeSchema = z.enum(
  INTEGRATION_ERROR_CODES as [IntegrationErrorCode, ...IntegrationErrorCode[]],
);
