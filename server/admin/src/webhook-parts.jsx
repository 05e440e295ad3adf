// Pieces shared by the webhooks list and one subscription's page: its health as text (the
// colour only repeats what the words say), the once-only secret, and the actions on a
// subscription (enable or disable, rotate the secret, delete after a confirm step).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.js";
import { dateTime, refusal } from "./format.js";

/** The event types a subscription can take, as the API names them. */
export const EVENT_TYPES = [
  ["order.placed", "Order placed"],
  ["order.status_changed", "Status changed"],
  ["order.cancelled", "Order cancelled"],
  ["order.shipment_changed", "Shipment changed"],
];

/** Marks beside each health status, so it reads without colour too. */
const HEALTH_MARK = { healthy: "✓", failing: "✕", disabled: "–" };

export const webhookPath = (id) => `/webhooks/${encodeURIComponent(id)}`;

/** A duration in seconds for people: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
export function age(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function HealthBadge({ status, id }) {
  return (
    <span class={`badge health-${status}`} id={id}>
      <span aria-hidden="true">{HEALTH_MARK[status] ?? "?"} </span>
      {status}
    </span>
  );
}

/** The last success and the last failure with its reason, as one short text. */
export function lastOutcome(health) {
  const parts = [];
  parts.push(health.lastSuccessAt ? `last success ${dateTime(health.lastSuccessAt)}` : "no success yet");
  if (health.lastFailureAt) {
    parts.push(`last failure ${dateTime(health.lastFailureAt)} (${health.lastFailureReason ?? "no reason given"})`);
  }
  return parts.join("; ");
}

/** A secret the server answers only once: shown until dismissed, with a copy button. */
export function SecretNotice({ secret, url, onDone }) {
  const box = useRef(null);
  const [copied, setCopied] = useState("");
  useEffect(() => {
    box.current?.focus();
  }, [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied.");
    } catch {
      box.current?.select();
      setCopied("Copying is not allowed here: the secret is selected, copy it with the keyboard.");
    }
  };
  return (
    <section class="secret" aria-labelledby="secret-h" id="webhook-secret">
      <h2 id="secret-h">Signing secret for {url}</h2>
      <p>
        <strong>Copy it now: it is not shown again.</strong> Receivers check each delivery's
        signature with it; rotate it if it is lost.
      </p>
      <label for="secret-value">Secret</label>
      <input id="secret-value" ref={box} class="mono" type="text" readOnly value={secret} />
      <p class="actions">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          I have stored it, hide it
        </button>
      </p>
      <p role="status">{copied}</p>
    </section>
  );
}

/**
 * Enable or disable, rotate the secret and delete one subscription. `say` puts a line in the
 * page's live region; `changed(view)` gets the subscription after a change (with the new
 * secret after a rotation), `deleted()` is called once it is gone. `describedBy` names the
 * element that tells which subscription the buttons act on, where several are listed.
 */
export function WebhookActions({ hook, say, changed, deleted, describedBy }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef(null);
  const deleteButton = useRef(null);
  const path = webhookPath(hook.id);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const run = async (work, done) => {
    setBusy(true);
    say("Working…");
    try {
      await work();
      say(done);
    } catch (error) {
      say(refusal(error));
    } finally {
      setBusy(false);
    }
  };
  const toggle = () =>
    run(async () => {
      const { body } = await api(path, { method: "PATCH", body: { enabled: !hook.enabled } });
      changed(body);
    }, hook.enabled ? `Disabled ${hook.url}.` : `Enabled ${hook.url}.`);
  const rotate = () =>
    run(async () => {
      const { body } = await api(`${path}/rotate-secret`, { method: "POST" });
      changed(body);
    }, `New secret for ${hook.url}: copy it now. The previous one keeps signing for 24 hours.`);
  const remove = () =>
    run(async () => {
      await api(path, { method: "DELETE" });
      setConfirming(false);
      deleted();
    }, `Deleted ${hook.url}.`);
  const keep = () => {
    setConfirming(false);
    // Back to where the keyboard was before the question.
    setTimeout(() => deleteButton.current?.focus(), 0);
  };

  if (confirming) {
    return (
      <div class="confirm" role="group" aria-label={`Delete ${hook.url}?`}>
        <p>Delete this subscription and its delivery log?</p>
        <p class="actions">
          <button type="button" class="danger" ref={confirmButton} disabled={busy} onClick={remove}>
            Yes, delete
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={keep}>
            Keep it
          </button>
        </p>
      </div>
    );
  }
  return (
    <p class="actions">
      <button type="button" class="secondary" aria-describedby={describedBy} disabled={busy} onClick={toggle}>
        {hook.enabled ? "Disable" : "Enable"}
      </button>
      <button type="button" class="secondary" aria-describedby={describedBy} disabled={busy} onClick={rotate}>
        Rotate secret
      </button>
      <button
        type="button"
        class="danger"
        ref={deleteButton}
        aria-describedby={describedBy}
        disabled={busy}
        onClick={() => setConfirming(true)}
      >
        Delete
      </button>
    </p>
  );
}
