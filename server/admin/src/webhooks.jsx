// Webhooks: every subscription with its health in a table, a form to add one (its secret is
// shown once), and the actions on each. Each row links to the subscription's page with its
// delivery log.
import { useEffect, useState } from "preact/hooks";
import { api, newKey } from "./api.js";
import { refusal, statusClass } from "./format.js";
import { EVENT_TYPES, HealthBadge, SecretNotice, WebhookActions, age, lastOutcome } from "./webhook-parts.jsx";

function AddForm({ busy, onSubmit }) {
  return (
    <form class="filters" onSubmit={onSubmit} aria-labelledby="add-h" id="add-webhook">
      <h2 id="add-h">Add a subscription</h2>
      <label for="w-url">Endpoint URL</label>
      <input id="w-url" name="url" type="url" required maxLength={2048} placeholder="https://example.com/orderly-events" />
      <fieldset>
        <legend>Event types</legend>
        {EVENT_TYPES.map(([value, name]) => (
          <label class="check" key={value}>
            <input type="checkbox" name="eventTypes" value={value} defaultChecked /> {name}{" "}
            <span class="mono hint">{value}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy}>
        Add subscription
      </button>
    </form>
  );
}

export function Webhooks() {
  const [hooks, setHooks] = useState(null);
  const [message, setMessage] = useState("Loading the subscriptions…");
  const [secret, setSecret] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = async () => setHooks((await api("/webhooks")).body);
  useEffect(() => {
    load()
      .then(() => setMessage(""))
      .catch((error) => setMessage(refusal(error)));
  }, []);

  const add = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const eventTypes = data.getAll("eventTypes");
    if (eventTypes.length === 0) {
      setMessage("Refused here: choose at least one event type.");
      return;
    }
    setBusy(true);
    setMessage("Adding the subscription…");
    try {
      const { body } = await api("/webhooks", {
        method: "POST",
        headers: { "Idempotency-Key": newKey() },
        body: { url: data.get("url"), eventTypes },
      });
      form.reset();
      setSecret({ secret: body.secret, url: body.url });
      setMessage(`Added ${body.url}. Copy its secret now: it is not shown again.`);
      await load();
    } catch (error) {
      setMessage(refusal(error));
    } finally {
      setBusy(false);
    }
  };

  /** After an action on one row: the new view (a rotation's secret is shown once). */
  const changed = (view) => {
    if (view.secret) setSecret({ secret: view.secret, url: view.url });
    const { secret: _shownOnce, ...kept } = view;
    setHooks((all) => all.map((h) => (h.id === view.id ? kept : h)));
  };
  const deleted = (id) => () => {
    setHooks((all) => all.filter((h) => h.id !== id));
    // The row and its buttons are gone: the keyboard goes back to the heading.
    document.querySelector("main h1")?.focus();
  };

  return (
    <>
      <h1 tabIndex={-1}>Webhooks</h1>
      <p class={statusClass(message)} role="status" aria-live="polite" id="webhooks-status">
        {message}
      </p>
      {secret && <SecretNotice {...secret} onDone={() => setSecret(null)} />}
      {hooks && hooks.length === 0 && <p>No subscriptions yet.</p>}
      {hooks && hooks.length > 0 && (
        <table class="webhooks">
          <caption>Subscriptions, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Event types</th>
              <th scope="col">Enabled</th>
              <th scope="col">Health</th>
              <th scope="col">Last success and failure</th>
              <th scope="col" class="num">Pending</th>
              <th scope="col" class="num">Oldest pending</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((hook) => (
              <tr key={hook.id}>
                <th scope="row" id={`w-${hook.id}`}>
                  <a href={`#/webhooks/${encodeURIComponent(hook.id)}`} class="mono">
                    {hook.url}
                  </a>
                </th>
                <td>{hook.eventTypes.join(", ")}</td>
                <td>{hook.enabled ? "yes" : "no"}</td>
                <td>
                  <HealthBadge status={hook.health.status} />
                </td>
                <td>{lastOutcome(hook.health)}</td>
                <td class="num">{hook.health.pendingCount}</td>
                <td class="num">{age(hook.health.oldestPendingAgeSeconds)}</td>
                <td>
                  <WebhookActions
                    hook={hook}
                    say={setMessage}
                    changed={changed} deleted={deleted(hook.id)}
                    describedBy={`w-${hook.id}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddForm busy={busy} onSubmit={add} />
    </>
  );
}
