// Display helpers. Amounts stay the server's decimal strings: the dashboard shows them as they
// came and never does arithmetic on money.

export const STATUSES = ["placed", "processing", "partially_shipped", "shipped", "delivered", "cancelled"];
export const REASONS = ["customer", "inventory", "fraud", "payment_declined", "staff", "other"];

export const money = (m) => (m ? `${m.amount} ${m.currency}` : "");

export const label = (word) => String(word ?? "").replaceAll("_", " ");

export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** YYYY-MM-DD of a Date, in UTC. */
export const day = (d) => d.toISOString().slice(0, 10);

/** Start of a YYYY-MM-DD day (UTC) as RFC 3339, or `undefined` for an empty field. */
export const dayStart = (value) => (value ? `${value}T00:00:00Z` : undefined);

/** Start of the day after a YYYY-MM-DD day (UTC): the exclusive end of a range ending that day. */
export function dayAfter(value) {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().replace(".000Z", "Z");
}

/** The problem of an ApiError as one line for people. */
export const refusal = (error) =>
  error.status ? `Refused: ${error.status} ${error.code}: ${error.detail}` : `Failed: ${error.detail ?? error.message}`;

/** The class of a status line: refusals and failures stand out. */
export const statusClass = (message) => (/^(Refused|Failed)/.test(message) ? "status refused" : "status");
