/**
 * A position in a service's event log. The log is read in (transaction_id, global_position) order,
 * which, unlike global_position alone, never passes an event whose transaction commits late.
 */
export interface LogPosition {
  /** A PostgreSQL xid8, as a decimal string (it does not fit a JS number in general). */
  transactionId: string;
  globalPosition: number;
}

export const LOG_START: LogPosition = Object.freeze({ transactionId: '0', globalPosition: 0 });

export function isAfter(a: LogPosition, b: LogPosition): boolean {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  return ta > tb || (ta === tb && a.globalPosition > b.globalPosition);
}
