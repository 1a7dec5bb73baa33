import {
  CryptoShreddingError,
  DataKeyMissingError,
  DataKeyUnwrapError,
  DeploymentSecretUnwrapError,
  EventDataDecryptionError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidMasterKeyError,
  TimestampError,
  TransactionIdsBehindLogError,
} from '@dui-pds/eventstore';
import {
  PositionNotFoundError,
  ProjectionError,
  RebuildUnderWayError,
  UnknownProjectionError,
} from '@dui-pds/projections';
import { CliError, ExitCode, type ExitCodeValue } from './cli-errors.js';

export interface Failure {
  /** French, one line per problem; never a stack trace, never event data. */
  message: string;
  exitCode: ExitCodeValue;
}

/**
 * What the operator reads when a command fails. Library messages are English and may quote
 * data, so they are never shown: each known error is restated from its typed fields.
 */
export function describeFailure(error: unknown): Failure {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  return projectionFailure(error) ?? eventStoreFailure(error) ?? systemFailure(error) ?? unexpected(error);
}

function projectionFailure(error: unknown): Failure | undefined {
  if (error instanceof UnknownProjectionError) {
    return usage(`projection inconnue : « ${error.projection} »`);
  }
  if (error instanceof PositionNotFoundError) {
    return usage(`aucun événement à la position globale ${error.position} dans le journal`);
  }
  if (error instanceof RebuildUnderWayError) {
    return failure(`une reconstruction de ${error.projection} est déjà en cours (dans ce processus ou un autre)`);
  }
  if (error instanceof ProjectionError) return failure(`erreur du moteur de projections (${error.name})`);
  return undefined;
}

function eventStoreFailure(error: unknown): Failure | undefined {
  if (error instanceof InvalidMasterKeyError) return usage('la clé maîtresse DUI_MASTER_KEY est invalide');
  if (error instanceof DataKeyUnwrapError) {
    return usage(
      `ni la clé maîtresse DUI_MASTER_KEY ni DUI_PREVIOUS_MASTER_KEYS n’ouvrent la clé de données de l’usager ${error.serviceUserId} : ` +
        'ce ne sont pas les clés de cette base, ou la clé de données a été altérée',
    );
  }
  if (error instanceof DeploymentSecretUnwrapError) {
    return usage(
      `ni la clé maîtresse DUI_MASTER_KEY ni DUI_PREVIOUS_MASTER_KEYS n’ouvrent le secret « ${error.secretName} » de cette base : ` +
        'la clé maîtresse n’est pas la sienne, ou la clé qu’elle a remplacée manque dans DUI_PREVIOUS_MASTER_KEYS (docs/operations.md)',
    );
  }
  if (error instanceof EventDataDecryptionError) {
    return integrity(
      `les données chiffrées de l’événement ${error.eventId} ne se déchiffrent pas : elles ont été altérées`,
    );
  }
  if (error instanceof DataKeyMissingError) {
    return integrity(
      `l’événement ${error.eventId} est chiffré pour un usager qui n’a aucune clé de données enregistrée`,
    );
  }
  if (error instanceof TransactionIdsBehindLogError) {
    return integrity(
      `le journal contient l’identifiant de transaction ${error.highestStored}, mais la base n’en est qu’à ` +
        `${error.nextTransactionId} (restauration logique sans avancer l’époque) : rien n’a été écrit ; ` +
        'avancez l’époque de la base (pg_resetwal -e) avant de démarrer, voir docs/operations.md',
    );
  }
  if (error instanceof EventStoreUnavailableError) {
    // the store has already tried once more: what the driver said is the reason to show
    return systemFailure(error.cause) ?? failure('impossible de joindre la base de données');
  }
  if (error instanceof TimestampError) return timestampFailure(error);
  if (error instanceof CryptoShreddingError) return failure(`erreur du chiffrement des données (${error.name})`);
  if (error instanceof EventStoreError) return failure(`erreur du magasin d’événements (${error.name})`);
  return undefined;
}

/** The authority's own words may be English: the reason is restated, never its text. */
function timestampFailure(error: TimestampError): Failure {
  switch (error.reason) {
    case 'unreachable':
      return failure(
        `l’autorité d’horodatage est injoignable ou n’a pas répondu à temps${httpStatusOf(error)} : aucune ancre écrite ni renouvelée`,
      );
    case 'refused':
      return failure(
        `l’autorité d’horodatage a refusé de dater l’ancre${httpStatusOf(error)} : aucune ancre écrite ni renouvelée`,
      );
    case 'invalid-response':
      return failure(
        'la réponse de l’autorité d’horodatage n’est pas un jeton valide pour cette ancre (autre empreinte, ' +
          'réponse rejouée, signature ou certificat non conformes) : aucune ancre écrite ni renouvelée',
      );
    case 'invalid-certificates':
      return usage('les certificats de confiance de l’horodatage ne sont pas des certificats X.509');
  }
}

function httpStatusOf({ httpStatus }: TimestampError): string {
  if (httpStatus === 401 || httpStatus === 403)
    return ` (HTTP ${httpStatus} : utilisateur et mot de passe manquants ou refusés, à donner dans l’URL)`;
  return httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`;
}

/** Network and database errors carry a code; their messages may hold addresses or values. */
function systemFailure(error: unknown): Failure | undefined {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  const connection: Record<string, string> = {
    ECONNREFUSED: 'connexion refusée',
    ENOTFOUND: 'hôte inconnu',
    ETIMEDOUT: 'délai de connexion dépassé',
    EHOSTUNREACH: 'hôte injoignable',
    ECONNRESET: 'connexion interrompue',
    // SQLSTATEs of a server that ends connections or does not take them yet
    '57P01': 'connexion coupée par le serveur',
    '57P02': 'connexion coupée par le serveur',
    '57P03': 'serveur en cours de démarrage ou d’arrêt',
  };
  if (connection[code]) return failure(`impossible de joindre la base de données : ${connection[code]} (${code})`);
  // SQLSTATE classes (PostgreSQL, appendix A)
  if (code.startsWith('28')) return usage(`la base de données refuse l’authentification (SQLSTATE ${code})`);
  if (code === '3D000') return usage('la base de données indiquée n’existe pas (SQLSTATE 3D000)');
  if (code === '42501') return failure('droits insuffisants sur la base de données (SQLSTATE 42501)');
  if (/^[0-9A-Z]{5}$/.test(code)) return failure(`erreur de la base de données (SQLSTATE ${code})`);
  return failure(`erreur système (${code})`);
}

function unexpected(error: unknown): Failure {
  const name = error instanceof Error ? error.name : typeof error;
  return failure(`erreur inattendue (${name})`);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

const usage = (message: string): Failure => ({ message, exitCode: ExitCode.usage });
const integrity = (message: string): Failure => ({ message, exitCode: ExitCode.integrity });
const failure = (message: string): Failure => ({ message, exitCode: ExitCode.failure });
