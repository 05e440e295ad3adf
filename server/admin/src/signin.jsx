// Sign-in: a staff token (or the staff secret, where the server has one) is exchanged once for
// an HttpOnly session cookie and then forgotten; the page never stores it.
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { refusal, statusClass } from "./format.js";

export function SignIn({ onSignedIn }) {
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = (field) => async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = form.elements[field].value.trim();
    setBusy(true);
    setMessage("Signing in…");
    try {
      await api("/admin/session", { method: "POST", body: { [field]: value } });
      form.reset();
      setMessage("");
      onSignedIn();
    } catch (error) {
      setMessage(refusal(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Orderly staff dashboard</h1>
      <form onSubmit={submit("token")} aria-labelledby="with-token">
        <h2 id="with-token">Sign in with a staff token</h2>
        <label for="token">Staff token</label>
        <p class="hint" id="token-hint">
          A token with the admin role, e.g. from <code>orderly-server token --sub you --role admin --ttl 8h</code>.
          It is kept in a cookie this page's scripts cannot read.
        </p>
        <textarea
          id="token"
          name="token"
          rows="4"
          required
          autocomplete="off"
          spellcheck={false}
          aria-describedby="token-hint"
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <form onSubmit={submit("secret")} aria-labelledby="with-secret">
        <h2 id="with-secret">Or with the staff secret</h2>
        <label for="secret">Staff secret</label>
        <p class="hint" id="secret-hint">
          Only where the server was started with <code>--admin-secret</code>; signs in as <code>admin</code> for an hour.
        </p>
        <input id="secret" name="secret" type="password" required autocomplete="current-password" aria-describedby="secret-hint" />
        <button type="submit" disabled={busy}>
          Sign in with the secret
        </button>
      </form>
      <p class={statusClass(message)} role="status" aria-live="polite">
        {message}
      </p>
    </main>
  );
}
