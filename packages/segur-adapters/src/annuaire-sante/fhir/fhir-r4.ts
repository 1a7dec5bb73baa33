/**
 * The few FHIR R4 shapes the Annuaire Santé exchanges, with only the elements read or written
 * here. Everything is optional, as a server may leave any of it out: readers check what they use.
 */
export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Extension {
  url: string;
  valueCoding?: Coding;
  valueCodeableConcept?: CodeableConcept;
  valueBoolean?: boolean;
  valueString?: string;
  extension?: Extension[];
}

export interface Identifier {
  use?: string;
  type?: CodeableConcept;
  system?: string;
  value?: string;
}

export interface HumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}

export interface ContactPoint {
  system?: string;
  value?: string;
  use?: string;
  rank?: number;
  extension?: Extension[];
}

export interface Address {
  use?: string;
  text?: string;
  line?: string[];
  postalCode?: string;
  city?: string;
}

export interface Reference {
  reference?: string;
}

export interface Meta {
  profile?: string[];
  lastUpdated?: string;
}

export interface Practitioner {
  resourceType: 'Practitioner';
  id?: string;
  meta?: Meta;
  active?: boolean;
  identifier?: Identifier[];
  name?: HumanName[];
  telecom?: ContactPoint[];
  qualification?: { code?: CodeableConcept }[];
}

export interface PractitionerRole {
  resourceType: 'PractitionerRole';
  id?: string;
  meta?: Meta;
  active?: boolean;
  practitioner?: Reference;
  organization?: Reference;
  code?: CodeableConcept[];
  specialty?: CodeableConcept[];
  telecom?: ContactPoint[];
}

export interface Organization {
  resourceType: 'Organization';
  id?: string;
  meta?: Meta;
  active?: boolean;
  identifier?: Identifier[];
  type?: CodeableConcept[];
  name?: string;
  alias?: string[];
  telecom?: ContactPoint[];
  address?: Address[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: { severity: 'fatal' | 'error' | 'warning' | 'information'; code: string; diagnostics?: string }[];
}

export type DirectoryResource = Practitioner | PractitionerRole | Organization;

export interface BundleEntry {
  fullUrl?: string;
  resource?: { resourceType?: string; id?: string };
  search?: { mode?: 'match' | 'include' | 'outcome' };
}

export interface Bundle {
  resourceType: 'Bundle';
  id?: string;
  meta?: Meta;
  type: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: BundleEntry[];
}
