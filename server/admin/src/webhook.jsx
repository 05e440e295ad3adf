// One webhook subscription: its health, its actions, and its delivery log (newest first,
// paged by the server's cursors) with every attempt. Answer snippets are the receivers' text
// and are shown as text. The log refreshes itself every few seconds while the page is open.
import { useEffect, useState } from "preact/hooks";
import { api, query } from "./api.js";
import { dateTime, label, refusal, statusClass } from "./format.js";
import { HealthBadge, SecretNotice, WebhookActions, age, webhookPath } from "./webhook-parts.jsx";

const PAGE_SIZE = 20;
const REFRESH_MS = 5000;

function Attempts({ attempts }) {
  if (attempts.length === 0) return <span class="hint">none yet</span>;
  return (
    <ol class="attempts">
      {attempts.map((a) => (
        <li key={a.number} class={a.status >= 200 && a.status < 300 ? "ok" : "failed"}>
          <time dateTime={a.at}>{dateTime(a.at)}</time>{" "}
          <strong>{a.status ? `HTTP ${a.status}` : `error: ${a.error ?? "no answer"}`}</strong>{" "}
          <span class="latency">{a.latencyMs} ms</span>
          {a.snippet ? <pre class="snippet">{a.snippet}</pre> : null}
        </li>
      ))}
    </ol>
  );
}

function Health({ hook }) {
  const h = hook.health;
  return (
    <dl class="facts" id="webhook-health">
      <dt>Health</dt>
      <dd>
        <HealthBadge status={h.status} id="webhook-health-status" />
      </dd>
      <dt>Enabled</dt>
      <dd>{hook.enabled ? "yes" : "no"}</dd>
      <dt>Event types</dt>
      <dd>{hook.eventTypes.join(", ")}</dd>
      <dt>Last success</dt>
      <dd id="webhook-last-success">{h.lastSuccessAt ? dateTime(h.lastSuccessAt) : "none yet"}</dd>
      <dt>Last failure</dt>
      <dd id="webhook-last-failure">
        {h.lastFailureAt ? `${dateTime(h.lastFailureAt)}: ${h.lastFailureReason ?? "no reason given"}` : "none"}
      </dd>
      {h.failingSince ? (
        <>
          <dt>Failing since</dt>
          <dd>{dateTime(h.failingSince)}</dd>
        </>
      ) : null}
      <dt>Pending deliveries</dt>
      <dd>
        {h.pendingCount}
        {h.pendingCount > 0 ? `, the oldest for ${age(h.oldestPendingAgeSeconds)}` : ""}
      </dd>
      <dt>Created</dt>
      <dd>{dateTime(hook.createdAt)}</dd>
    </dl>
  );
}

export function Webhook({ id }) {
  const [hook, setHook] = useState(null);
  const [page, setPage] = useState(null);
  const [cursors, setCursors] = useState([undefined]);
  const [message, setMessage] = useState("Loading the subscription…");
  const [secret, setSecret] = useState(null);
  const [gone, setGone] = useState(false);
  const [busy, setBusy] = useState("");
  const cursor = cursors[cursors.length - 1];
  const path = webhookPath(id);

  const load = async () => {
    const [{ body: view }, { body: log }] = await Promise.all([
      api(path),
      api(`${path}/deliveries${query({ limit: PAGE_SIZE, cursor })}`),
    ]);
    setHook(view);
    setPage(log);
  };

  useEffect(() => {
    let current = true;
    load()
      .then(() => current && setMessage((m) => (m.startsWith("Loading") ? "" : m)))
      .catch((error) => current && setMessage(refusal(error)));
    const timer = setInterval(() => {
      if (!document.hidden) load().catch(() => {});
    }, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [id, cursor]);

  const refresh = () =>
    load()
      .then(() => setMessage(`Refreshed at ${dateTime(new Date().toISOString())}.`))
      .catch((error) => setMessage(refusal(error)));

  const redeliver = (delivery) => async () => {
    setBusy(delivery.deliveryId);
    setMessage(`Asking for ${delivery.messageId} again…`);
    try {
      const { status } = await api(`${path}/deliveries/${encodeURIComponent(delivery.deliveryId)}/redeliver`, {
        method: "POST",
      });
      setMessage(`Redelivery of ${delivery.messageId} accepted (${status}): a new attempt follows shortly.`);
      await load();
    } catch (error) {
      setMessage(refusal(error));
    } finally {
      setBusy("");
    }
  };

  const changed = (view) => {
    if (view.secret) setSecret({ secret: view.secret, url: view.url });
    const { secret: _shownOnce, ...kept } = view;
    setHook(kept);
  };

  const status = (
    <p class={statusClass(message)} role="status" aria-live="polite" id="webhook-status">
      {message}
    </p>
  );
  if (!hook || gone) {
    return (
      <>
        <h1>Webhook subscription</h1>
        {status}
        <p>
          <a href="#/webhooks">Back to the webhooks</a>
        </p>
      </>
    );
  }
  return (
    <>
      <p>
        <a href="#/webhooks">← Webhooks</a>
      </p>
      <h1>
        Webhook <span class="mono">{hook.url}</span>
      </h1>
      {status}
      {secret && <SecretNotice {...secret} onDone={() => setSecret(null)} />}
      <Health hook={hook} />
      <WebhookActions
        hook={hook}
        say={setMessage}
        changed={changed}
        deleted={() => {
          setGone(true);
          document.querySelector("main h1")?.focus();
        }}
      />

      <section aria-labelledby="log-h">
        <h2 id="log-h">Delivery log</h2>
        <p class="hint">
          Newest first; refreshed every {REFRESH_MS / 1000} s.{" "}
          <button type="button" class="secondary" onClick={refresh}>
            Refresh
          </button>
        </p>
        {page && page.deliveries.length === 0 ? (
          <p>No deliveries yet.</p>
        ) : (
          <table class="deliveries" id="deliveries">
            <thead>
              <tr>
                <th scope="col">Message (webhook-id)</th>
                <th scope="col">Event</th>
                <th scope="col">Order</th>
                <th scope="col" class="num">Sequence</th>
                <th scope="col">Status</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Attempts (time, answer, latency, answer's start)</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {(page?.deliveries ?? []).map((d) => (
                <tr key={d.deliveryId} data-message={d.messageId}>
                  <th scope="row" class="mono" id={`m-${d.deliveryId}`}>
                    {d.messageId}
                  </th>
                  <td>{d.eventType}</td>
                  <td>
                    <a href={`#/orders/${encodeURIComponent(d.orderId)}`} class="mono">
                      {d.orderId.slice(0, 8)}
                    </a>
                  </td>
                  <td class="num">{d.sequence}</td>
                  <td>
                    <span class={`badge delivery-${d.status}`}>{label(d.status)}</span>
                  </td>
                  <td>{d.nextAttemptAt ? dateTime(d.nextAttemptAt) : ""}</td>
                  <td>
                    <Attempts attempts={d.attempts} />
                  </td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      aria-describedby={`m-${d.deliveryId}`}
                      disabled={busy === d.deliveryId}
                      onClick={redeliver(d)}
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav class="pager" aria-label="Pages of the delivery log">
          <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
          <span>Page {cursors.length}</span>
          <button type="button" disabled={!page?.nextCursor} onClick={() => setCursors([...cursors, page.nextCursor])}>
            Older
          </button>
        </nav>
      </section>
    </>
  );
}
