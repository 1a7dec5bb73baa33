export {
  type AnnualNarcoticStatementLine,
  type AnnualNarcoticsStatement,
  annualNarcoticsStatement,
  EXPIRY_WARNING_DAYS,
  type LedgerMonthStatus,
  latestLedgerMonth,
  type MonthlyBalance,
  type MonthlyBalanceLine,
  monthlyBalance,
  type PharmacyAlert,
  type PharmacyStock,
  pharmacyAlerts,
  pharmacyStock,
  type StockLot,
  type StockProduct,
} from './ledger-queries.js';
export { pharmacyProjection, type StockLineKind } from './pharmacy-projection.js';
export {
  DISPENSING_LOG_SORTS,
  type DispensingLogEntry,
  type DispensingLogSort,
  dispensingLog,
  narcoticsRegister,
  type RegisterLine,
  type RegisterProduct,
  sortedByPatient,
} from './register-queries.js';
