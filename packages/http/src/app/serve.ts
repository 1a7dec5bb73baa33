/**
 * The server's start, loaded by `main.ts` once tracing is set up: configuration, logger, the
 * composed server, and what it prints for whoever started it.
 */
import { DeploymentSecretUnwrapError, TransactionIdsBehindLogError } from '@dui-pds/eventstore';
import { describeFailure } from '../cli/failure-messages.js';
import { ConfigurationError, createLogger, loadServerConfig } from '../server/index.js';
import { startDuiServer } from './compose.js';
import { DEMO_ORGANISATION, DEMO_PROFESSIONALS } from './demo-organisation.js';

let config: ReturnType<typeof loadServerConfig>;
try {
  config = loadServerConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel });
const server = await startDuiServer(config, logger, { handleSignals: true }).catch((error: unknown) => {
  // nothing was appended: the operator must move the cluster's epoch first, or give the master
  // keys of this database (docs/operations.md)
  if (!(error instanceof TransactionIdsBehindLogError || error instanceof DeploymentSecretUnwrapError)) throw error;
  const failure = describeFailure(error);
  process.stderr.write(`${failure.message}\n`);
  process.exit(failure.exitCode);
});
const lines = [
  `DUI-PDS écoute sur ${server.url}`,
  `  Référence de l’API : ${server.url}/docs (OpenAPI : ${server.url}/openapi.json)`,
  `  Santé : ${server.url}/health, disponibilité : ${server.url}/ready`,
];
if (server.demo) {
  lines.push(
    `  Organisme de démonstration (fictif) : ${DEMO_ORGANISATION.name}, identifiant ${DEMO_ORGANISATION.id}`,
    `    ESSMS : ${DEMO_ORGANISATION.facilities.map((facility) => `${facility.name} (${facility.id})`).join(', ')}`,
  );
}
if (server.devLogin) {
  lines.push(
    `  Connexion de développement : ${server.url}/auth/dev/login`,
    `    professionnels : ${DEMO_PROFESSIONALS.map((professional) => professional.id).join(', ')}`,
  );
}
if (server.proSanteConnectStandIn) {
  lines.push(`  Pro Santé Connect (doublure locale, professionnels fictifs) : ${server.url}/auth/psc/login`);
}
process.stdout.write(`${lines.join('\n')}\n`);
