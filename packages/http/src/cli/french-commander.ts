import { type Command, Help } from 'commander';

/**
 * Commander speaks English: its help titles and its parsing errors are put into French here, in
 * one place, so that every command reads the same to the operator.
 */
const TITLES: Record<string, string> = {
  'Usage:': 'Utilisation :',
  'Arguments:': 'Arguments :',
  'Options:': 'Options :',
  'Commands:': 'Commandes :',
  'Global Options:': 'Options globales :',
};

const ERRORS: readonly [RegExp, (...groups: string[]) => string][] = [
  [/^error: unknown option '(.+?)'(.*)$/s, (flag, rest) => `option inconnue « ${flag} »${suggestion(rest)}`],
  [/^error: unknown command '(.+?)'(.*)$/s, (name, rest) => `commande inconnue « ${name} »${suggestion(rest)}`],
  [/^error: missing required argument '(.+)'$/, (name) => `argument obligatoire manquant : ${name}`],
  [/^error: option '(.+)' argument missing$/, (flags) => `l’option ${flags} attend une valeur`],
  [/^error: required option '(.+)' not specified$/, (flags) => `l’option ${flags} est obligatoire`],
  [
    /^error: too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+)\.$/,
    (command, expected, got) =>
      `trop d’arguments${command ? ` pour ${command}` : ''} : ${expected} attendu(s), ${got} donné(s)`,
  ],
  [
    /^error: option '(.+)' argument '(.*)' is invalid\. (.*)$/s,
    (flags, _value, reason) => `valeur invalide pour l’option ${flags} : ${reason}`,
  ],
  [
    /^error: command-argument value '(.*)' is invalid for argument '(.+)'\. (.*)$/s,
    (_value, name, reason) => `valeur invalide pour l’argument ${name} : ${reason}`,
  ],
  [
    /^error: (?:option|environment variable) '(.+)' cannot be used with (?:option|environment variable) '(.+)'$/,
    (left, right) => `les options ${left} et ${right} s’excluent`,
  ],
];

/** Applies to `program` and to every subcommand created from it afterwards with `.command()`. */
export function speakFrench(program: Command): Command {
  return program
    .helpOption('-h, --help', 'affiche l’aide de la commande')
    .helpCommand('help [commande]', 'affiche l’aide d’une commande')
    .configureHelp({
      showGlobalOptions: true,
      styleTitle: (title) => TITLES[title] ?? title,
      commandUsage: (command) => new Help().commandUsage(command).replace('[command]', '[commande]'),
    })
    .configureOutput({ outputError: (message, write) => write(`${frenchCommanderError(message.trimEnd())}\n`) });
}

/** Commander's parsing error, in French, prefixed like every error of `dui`. */
export function frenchCommanderError(message: string): string {
  for (const [pattern, translate] of ERRORS) {
    const match = pattern.exec(message);
    if (match) return `erreur : ${translate(...match.slice(1).map((group) => group ?? ''))}`;
  }
  return message.replace(/^error: /, 'erreur : ');
}

function suggestion(rest: string): string {
  const match = /Did you mean (?:one of )?(.+?)\?\)/.exec(rest);
  return match ? ` (vouliez-vous dire ${match[1]} ?)` : '';
}
