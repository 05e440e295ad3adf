// One order: its lines, totals, shipments and timeline, and the staff actions on it. Every
// action shows the server's answer as it is; a refusal shows its status, code and detail.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, newKey } from "./api.js";
import { REASONS, STATUSES, dateTime, label, money, refusal, statusClass } from "./format.js";

/** Units of each product already in a shipment that is not cancelled. */
function shippedUnits(order) {
  const units = {};
  for (const shipment of order.shipments ?? []) {
    if (shipment.status === "cancelled") continue;
    for (const line of shipment.lines) units[line.productId] = (units[line.productId] ?? 0) + line.quantity;
  }
  return units;
}

function entryText(entry) {
  const parts = [];
  if (entry.kind === "status") parts.push(`Status ${label(entry.status)}`);
  if (entry.kind === "shipment") parts.push(`Shipment ${entry.shipmentId?.slice(0, 8)} ${label(entry.status)}`);
  if (entry.kind === "note") parts.push("Staff note");
  if (entry.reason) parts.push(`reason: ${label(entry.reason)}`);
  return parts.join(", ");
}

export function Order({ id }) {
  const [order, setOrder] = useState(null);
  const [version, setVersion] = useState(null);
  const [timeline, setTimeline] = useState([]);
  const [message, setMessage] = useState("Loading the order…");
  const [busy, setBusy] = useState(false);
  const path = `/order/${encodeURIComponent(id)}`;

  const load = async () => {
    const [{ body, headers }, { body: tl }] = await Promise.all([api(path), api(`${path}/timeline`)]);
    setOrder(body);
    setVersion(headers.get("ETag") ?? `"${body.version}"`);
    setTimeline(tl.entries);
  };

  useEffect(() => {
    setOrder(null);
    load()
      .then(() => setMessage(""))
      .catch((error) => setMessage(refusal(error)));
  }, [id]);

  /** Runs one action, then reloads the order and says what happened. */
  const act = (run, done) => async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    setBusy(true);
    setMessage("Working…");
    try {
      await run(new FormData(form));
      form.reset();
      await load();
      setMessage(done);
    } catch (error) {
      setMessage(refusal(error));
      await load().catch(() => {});
    } finally {
      setBusy(false);
    }
  };

  const moveStatus = act(
    (form) =>
      api(`${path}/status`, {
        method: "PUT",
        headers: { "If-Match": version },
        body: { status: form.get("status"), note: form.get("note") || undefined },
      }),
    "Status changed.",
  );

  const ship = act((form) => {
    const lines = order.items
      .map((item) => ({ productId: item.productId, quantity: Number(form.get(`qty-${item.productId}`) || 0) }))
      .filter((line) => line.quantity > 0);
    return api(`${path}/shipments`, {
      method: "POST",
      headers: { "Idempotency-Key": newKey() },
      body: {
        lines,
        carrier: form.get("carrier") || undefined,
        trackingNumber: form.get("trackingNumber") || undefined,
        trackingUrl: form.get("trackingUrl") || undefined,
        status: form.get("shipmentStatus"),
      },
    });
  }, "Shipment added.");

  const cancel = act((form) => {
    const search = new URLSearchParams({ reason: form.get("reason") });
    if (form.get("note")) search.set("note", form.get("note"));
    return api(`${path}?${search}`, { method: "DELETE" });
  }, "Order cancelled.");

  const addNote = act(
    (form) =>
      api(`${path}/notes`, {
        method: "POST",
        headers: { "Idempotency-Key": newKey() },
        body: { text: form.get("text") },
      }),
    "Note added.",
  );

  const status = (
    <p class={statusClass(message)} role="status" aria-live="polite" id="order-status">
      {message}
    </p>
  );
  if (!order) {
    return (
      <>
        <h1>Order</h1>
        {status}
        <p>
          <a href="#/orders">Back to the orders</a>
        </p>
      </>
    );
  }
  const shipped = shippedUnits(order);
  const a = order.deliveryAddress ?? {};
  return (
    <>
      <p>
        <a href="#/orders">← Orders</a>
      </p>
      <h1>
        Order <span class="mono">{order.orderId}</span>
      </h1>
      {status}
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class={`badge ${order.status}`} id="order-current-status">
            {label(order.status)}
          </span>{" "}
          (version {order.version})
        </dd>
        <dt>User</dt>
        <dd>{order.userId}</dd>
        <dt>Created</dt>
        <dd>{dateTime(order.createdAt)}</dd>
        <dt>Deliver to</dt>
        <dd>{[a.name, a.line1, a.line2, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(", ")}</dd>
        <dt>Payment</dt>
        <dd>
          {order.paymentMethod?.type}
          {order.paymentMethod?.brand ? ` ${order.paymentMethod.brand} ···· ${order.paymentMethod.last4}` : ""}
        </dd>
        <dt>Shipping method</dt>
        <dd>{order.shippingMethod}</dd>
      </dl>

      <section aria-labelledby="lines-h">
        <h2 id="lines-h">Lines</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Name</th>
              <th scope="col" class="num">Quantity</th>
              <th scope="col" class="num">Shipped</th>
              <th scope="col" class="num">Unit price</th>
              <th scope="col" class="num">Discount</th>
              <th scope="col" class="num">Line total</th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((item) => (
              <tr key={item.productId}>
                <th scope="row">{item.productId}</th>
                <td>{item.name}</td>
                <td class="num">{item.quantity}</td>
                <td class="num">{shipped[item.productId] ?? 0}</td>
                <td class="num">{money(item.unitPrice)}</td>
                <td class="num">{money(item.discount)}</td>
                <td class="num">{money(item.lineTotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Totals</h3>
        <dl class="facts totals">
          {["subtotal", "discount", "shipping", "tax", "total"].map((name) => (
            <Fragment key={name}>
              <dt>{name[0].toUpperCase() + name.slice(1)}</dt>
              <dd class="num">{money(order.totals[name])}</dd>
            </Fragment>
          ))}
        </dl>
      </section>

      <section aria-labelledby="shipments-h">
        <h2 id="shipments-h">Shipments</h2>
        {(order.shipments ?? []).length === 0 ? (
          <p>No shipments yet.</p>
        ) : (
          <table id="shipments">
            <thead>
              <tr>
                <th scope="col">Shipment</th>
                <th scope="col">Status</th>
                <th scope="col">Carrier</th>
                <th scope="col">Tracking</th>
                <th scope="col">Lines</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {order.shipments.map((s) => (
                <tr key={s.shipmentId}>
                  <th scope="row" class="mono">
                    {s.shipmentId.slice(0, 8)}
                  </th>
                  <td>{label(s.status)}</td>
                  <td>{s.carrier}</td>
                  <td>
                    {s.trackingUrl ? (
                      <a href={s.trackingUrl} target="_blank" rel="noopener noreferrer">
                        {s.trackingNumber || "Track"}
                      </a>
                    ) : (
                      s.trackingNumber
                    )}
                  </td>
                  <td>{s.lines.map((l) => `${l.quantity} × ${l.productId}`).join(", ")}</td>
                  <td>{dateTime(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <ol class="timeline" id="timeline">
          {timeline.map((entry, i) => (
            <li key={i} class={entry.internal ? "internal" : ""}>
              <time dateTime={entry.at}>{dateTime(entry.at)}</time> <strong>{entryText(entry)}</strong>{" "}
              <span class="actor">
                by {entry.actorKind} {entry.actorId}
              </span>
              {entry.note ? <q>{entry.note}</q> : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="actions-h" class="actions-grid">
        <h2 id="actions-h">Actions</h2>
        <form onSubmit={moveStatus} aria-labelledby="move-h">
          <h3 id="move-h">Move the status</h3>
          <label for="a-status">New status</label>
          <select id="a-status" name="status" required>
            {STATUSES.filter((s) => s !== "cancelled" && s !== "partially_shipped").map((s) => (
              <option value={s} key={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <label for="a-status-note">Note (optional)</label>
          <input id="a-status-note" name="note" type="text" maxLength={1000} />
          <p class="hint">Sent with If-Match: {version}, so a change made meanwhile is refused.</p>
          <button type="submit" disabled={busy}>
            Change status
          </button>
        </form>

        <form onSubmit={ship} aria-labelledby="ship-h">
          <h3 id="ship-h">Add a shipment</h3>
          <fieldset>
            <legend>Units to ship</legend>
            {order.items.map((item) => {
              const left = Math.max(0, item.quantity - (shipped[item.productId] ?? 0));
              return (
                <div class="field" key={item.productId}>
                  <label for={`q-${item.productId}`}>
                    {item.name} ({item.productId}), {left} left
                  </label>
                  <input
                    id={`q-${item.productId}`}
                    name={`qty-${item.productId}`}
                    type="number"
                    min="0"
                    max={item.quantity}
                    defaultValue={String(left)}
                  />
                </div>
              );
            })}
          </fieldset>
          <label for="a-carrier">Carrier</label>
          <input id="a-carrier" name="carrier" type="text" placeholder="ups, usps, fedex, dhl, royal mail…" />
          <label for="a-tracking">Tracking number</label>
          <input id="a-tracking" name="trackingNumber" type="text" />
          <label for="a-tracking-url">Tracking link (optional for known carriers)</label>
          <input id="a-tracking-url" name="trackingUrl" type="url" />
          <label for="a-shipment-status">Shipment state</label>
          <select id="a-shipment-status" name="shipmentStatus">
            <option value="shipped">Shipped now</option>
            <option value="pending">Pending (reserve the units)</option>
          </select>
          <button type="submit" disabled={busy}>
            Add shipment
          </button>
        </form>

        <form onSubmit={cancel} aria-labelledby="cancel-h">
          <h3 id="cancel-h">Cancel the order</h3>
          <label for="a-reason">Reason</label>
          <select id="a-reason" name="reason" required>
            {REASONS.map((r) => (
              <option value={r} key={r}>
                {label(r)}
              </option>
            ))}
          </select>
          <label for="a-cancel-note">Note (optional)</label>
          <input id="a-cancel-note" name="note" type="text" maxLength={1000} />
          <button type="submit" class="danger" disabled={busy}>
            Cancel order
          </button>
        </form>

        <form onSubmit={addNote} aria-labelledby="note-h">
          <h3 id="note-h">Add a staff note</h3>
          <label for="a-note">Note (staff only)</label>
          <textarea id="a-note" name="text" rows="3" required maxLength={1000} />
          <button type="submit" disabled={busy}>
            Add note
          </button>
        </form>
      </section>
    </>
  );
}
