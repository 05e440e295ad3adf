// Orders: the staff search (GET /orders) as a form and a table. The form's values live in the
// URL hash, so a filtered view can be bookmarked and the back button works; pages follow the
// server's cursors.
import { useEffect, useState } from "preact/hooks";
import { api, query } from "./api.js";
import { STATUSES, dateTime, dayAfter, dayStart, label, money, refusal, statusClass } from "./format.js";

/** Filters kept in the hash, with the API parameter each becomes. */
const TEXT_FILTERS = [
  ["q", "Text", "A word of the name, user id or email, or the start of the order id"],
  ["userId", "User id", ""],
  ["productId", "Product id", ""],
  ["trackingNumber", "Tracking number", ""],
  ["currency", "Currency", "ISO 4217, e.g. USD; needed with a total range"],
  ["totalMin", "Total at least", "e.g. 10.00"],
  ["totalMax", "Total at most", ""],
  ["metadataKey", "Metadata key", ""],
  ["metadataValue", "Metadata value", ""],
];

/** The API's query for the hash's filters. */
function searchQuery(params, cursor) {
  const q = {};
  for (const [name] of TEXT_FILTERS) q[name] = params.get(name) ?? "";
  q.status = params.getAll("status");
  q.createdFrom = dayStart(params.get("from"));
  q.createdTo = dayAfter(params.get("to"));
  q.sort = params.get("sort") ?? "";
  q.direction = params.get("direction") ?? "";
  q.limit = params.get("limit") ?? "25";
  q.cursor = cursor;
  return query(q);
}

export function Orders({ params }) {
  const key = params.toString();
  const [page, setPage] = useState(null);
  const [cursors, setCursors] = useState([undefined]);
  const [message, setMessage] = useState("");
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setCursors([undefined]);
  }, [key]);

  useEffect(() => {
    let current = true;
    setMessage("Searching…");
    api(`/orders${searchQuery(params, cursor)}`)
      .then(({ body }) => {
        if (!current) return;
        setPage(body);
        const n = body.orders.length;
        setMessage(`${n} order${n === 1 ? "" : "s"} on this page${body.nextCursor ? ", more on the next" : ""}.`);
      })
      .catch((error) => {
        if (!current) return;
        setPage(null);
        setMessage(refusal(error));
      });
    return () => {
      current = false;
    };
  }, [key, cursor]);

  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const [name, value] of form.entries()) {
      if (String(value).trim() !== "") next.append(name, String(value).trim());
    }
    location.hash = `#/orders${next.toString() ? `?${next}` : ""}`;
  };
  const clear = () => {
    location.hash = "#/orders";
  };

  return (
    <>
      <h1>Orders</h1>
      <form class="filters" onSubmit={submit} key={key} aria-label="Search orders">
        <div class="grid">
          {TEXT_FILTERS.map(([name, text, hint]) => (
            <div class="field" key={name}>
              <label for={`f-${name}`}>{text}</label>
              <input id={`f-${name}`} name={name} type="text" defaultValue={params.get(name) ?? ""} title={hint || undefined} />
            </div>
          ))}
          <div class="field">
            <label for="f-from">Created from</label>
            <input id="f-from" name="from" type="date" defaultValue={params.get("from") ?? ""} />
          </div>
          <div class="field">
            <label for="f-to">Created to (inclusive)</label>
            <input id="f-to" name="to" type="date" defaultValue={params.get("to") ?? ""} />
          </div>
          <div class="field">
            <label for="f-sort">Sort by</label>
            <select id="f-sort" name="sort" defaultValue={params.get("sort") ?? "createdAt"}>
              <option value="createdAt">Creation time</option>
              <option value="total">Total</option>
            </select>
          </div>
          <div class="field">
            <label for="f-direction">Direction</label>
            <select id="f-direction" name="direction" defaultValue={params.get("direction") ?? "desc"}>
              <option value="desc">Newest or largest first</option>
              <option value="asc">Oldest or smallest first</option>
            </select>
          </div>
          <div class="field">
            <label for="f-limit">Per page</label>
            <select id="f-limit" name="limit" defaultValue={params.get("limit") ?? "25"}>
              {["10", "25", "50", "100", "200"].map((n) => (
                <option value={n} key={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset class="statuses">
          <legend>Status</legend>
          {STATUSES.map((status) => (
            <label key={status} class="check">
              <input type="checkbox" name="status" value={status} defaultChecked={params.getAll("status").includes(status)} />{" "}
              {label(status)}
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit">Search</button>
          <button type="button" class="secondary" onClick={clear}>
            Clear filters
          </button>
        </div>
      </form>
      <p class={statusClass(message)} role="status" aria-live="polite" id="orders-status">
        {message}
      </p>
      {page && (
        <>
          <table class="orders">
            <caption>Orders matching the filters</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Created</th>
                <th scope="col">User</th>
                <th scope="col">Deliver to</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Lines
                </th>
                <th scope="col" class="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {page.orders.map((order) => (
                <tr key={order.orderId}>
                  <th scope="row">
                    <a href={`#/orders/${encodeURIComponent(order.orderId)}`} class="mono">
                      {order.orderId}
                    </a>
                  </th>
                  <td>{dateTime(order.createdAt)}</td>
                  <td>{order.userId}</td>
                  <td>{order.deliveryAddress?.name}</td>
                  <td>
                    <span class={`badge ${order.status}`}>{label(order.status)}</span>
                  </td>
                  <td class="num">{order.items.length}</td>
                  <td class="num">{money(order.totals.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <span>Page {cursors.length}</span>
            <button type="button" disabled={!page.nextCursor} onClick={() => setCursors([...cursors, page.nextCursor])}>
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
